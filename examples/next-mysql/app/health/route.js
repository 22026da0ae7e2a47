import { healthResponse } from '../../lib/health';

export const dynamic = 'force-dynamic';

// GET /health: the same document as /api/v1/health.
export function GET() {
  return healthResponse();
}
