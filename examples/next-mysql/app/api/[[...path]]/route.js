import { json } from '../../../lib/http';

export const dynamic = 'force-dynamic';

// Any other /api/… route or method: a JSON 404, as the other samples answer.
function notFound() {
  return json({ error: 'not found' }, 404);
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
