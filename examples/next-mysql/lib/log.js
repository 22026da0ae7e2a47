'use strict';

// One JSON object per line on stdout, e.g. {"time":"…","level":"info","msg":"listening","port":3000}
function write(level, msg, fields) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

const log = {
  info: (msg, fields) => write('info', msg, fields),
  warn: (msg, fields) => write('warn', msg, fields),
  error: (msg, fields) => write('error', msg, fields),
};

// Connection failures to "localhost" can be an AggregateError (IPv6 + IPv4 attempts) with an empty message.
function errorMessage(err) {
  return err?.message || err?.errors?.map((e) => e.message).join('; ') || err?.code || String(err);
}

module.exports = { log, errorMessage };
