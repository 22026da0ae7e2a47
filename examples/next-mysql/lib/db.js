'use strict';

const mysql = require('mysql2/promise');
const { setTimeout: sleep } = require('node:timers/promises');
const { log, errorMessage } = require('./log');

// created_at is DATETIME(3) written with UTC_TIMESTAMP(3) and read with timezone 'Z': UTC end to end,
// whatever the server's or the session's time zone. INSERT … RETURNING is MariaDB-only, so a create
// is an INSERT then a SELECT by insertId (works on MySQL 8 too).
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS notes (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    text VARCHAR(1000) NOT NULL,
    created_at DATETIME(3) NOT NULL,
    KEY notes_created_at (created_at)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
`;
// A named lock serialises replicas that migrate at the same time (MySQL's advisory lock).
const LOCK = 'next-mysql:migrate';

function createDb(databaseUrl) {
  const pool = mysql.createPool({
    uri: databaseUrl,
    connectionLimit: 10,
    connectTimeout: 2000,
    timezone: 'Z',
    enableKeepAlive: true,
  });
  // An idle connection losing its server (e.g. a MySQL restart) must not crash the process.
  pool.pool.on('error', (err) => log.warn('mysql pool error', { error: errorMessage(err) }));

  let migrated = false;

  async function applySchema() {
    const conn = await pool.getConnection();
    try {
      const [[{ locked }]] = await conn.query('SELECT GET_LOCK(?, 10) AS locked', [LOCK]);
      if (locked !== 1) throw new Error(`could not take the migration lock ${JSON.stringify(LOCK)} within 10 s`);
      try {
        await conn.query(SCHEMA);
      } finally {
        await conn.query('SELECT RELEASE_LOCK(?)', [LOCK]);
      }
    } finally {
      conn.release();
    }
  }

  return {
    isMigrated: () => migrated,

    // Applies the schema, retrying with exponential backoff (500 ms doubling up to 5 s) until timeoutMs has passed.
    async migrate(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (let attempt = 1; ; attempt++) {
        try {
          await applySchema();
          migrated = true;
          log.info('migration applied', { attempt });
          return;
        } catch (err) {
          const error = errorMessage(err);
          const remainingMs = deadline - Date.now();
          if (remainingMs <= 0) throw new Error(`mysql not ready after ${attempt} attempts in ${timeoutMs} ms: ${error}`);
          const retryInMs = Math.min(250 * 2 ** attempt, 5000, remainingMs);
          log.warn('mysql not ready, retrying', { attempt, retryInMs, error });
          await sleep(retryInMs);
        }
      }
    },

    // Healthy once MySQL answers and the schema is in place.
    async ping() {
      await pool.query('SELECT 1');
      if (!migrated) throw new Error('schema migration pending');
    },

    close: () => pool.end(),

    async createNote(text) {
      const [result] = await pool.execute('INSERT INTO notes (text, created_at) VALUES (?, UTC_TIMESTAMP(3))', [text]);
      const [rows] = await pool.execute('SELECT id, text, created_at FROM notes WHERE id = ?', [result.insertId]);
      return rows[0];
    },

    async getNote(id) {
      const [rows] = await pool.execute('SELECT id, text, created_at FROM notes WHERE id = ?', [id]);
      return rows[0];
    },

    async listNotes(limit = 50) {
      // LIMIT as a literal integer: prepared-statement LIMIT parameters are rejected by some MySQL versions.
      const [rows] = await pool.query(`SELECT id, text, created_at FROM notes ORDER BY created_at DESC, id DESC LIMIT ${Number(limit) | 0}`);
      return rows;
    },
  };
}

module.exports = { createDb };
