import { healthResponse } from '../../../../lib/health';

export const dynamic = 'force-dynamic';

// GET /api/v1/health: {"status":"ok","mysql":"ok","redis":"ok","uptime":…,"version":…} or 503.
export function GET() {
  return healthResponse();
}
