// D1 access for connections: rows ↔ the public connection object. Only the key's hash is stored.
import { Template } from '../../pkg/workerd.js';

const COLUMNS = 'id, name, role_arn, external_id, sts_region, region, model_id, kind, family, template, mapping, key_hash, created_at, updated_at';

/** A row as the API shows it (never the key hash). */
export function publicConnection(row) {
  return {
    id: row.id,
    name: row.name,
    roleArn: row.role_arn,
    externalId: row.external_id,
    stsRegion: row.sts_region,
    region: row.region,
    modelId: row.model_id,
    kind: row.kind,
    family: row.family,
    template: row.template,
    templateVariables: variablesOf(row.template),
    mapping: JSON.parse(row.mapping),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The template's variable names (what invoke's `variables` must hold). */
function variablesOf(source) {
  let template;
  try {
    template = new Template(source);
    return template.variables;
  } catch {
    return [];
  } finally {
    template?.free();
  }
}

export async function getRow(db, id) {
  return db.prepare(`SELECT ${COLUMNS} FROM connections WHERE id = ?`).bind(id).first();
}

export async function nameTaken(db, name, exceptId = '') {
  const row = await db.prepare('SELECT id FROM connections WHERE name = ? AND id != ?').bind(name, exceptId).first();
  return row !== null;
}

export async function roleInUse(db, roleArn, exceptId = '') {
  const row = await db.prepare('SELECT id FROM connections WHERE role_arn = ? AND id != ? LIMIT 1').bind(roleArn, exceptId).first();
  return row !== null;
}

export async function listRows(db) {
  const { results } = await db.prepare(`SELECT ${COLUMNS} FROM connections ORDER BY created_at, name`).all();
  return results;
}

/** Inserts a connection; false when the name is taken (UNIQUE constraint). */
export async function insertRow(db, c) {
  try {
    await db
      .prepare(`INSERT INTO connections (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .bind(c.id, c.name, c.roleArn, c.externalId, c.stsRegion, c.region, c.modelId, c.kind, c.family, c.template, JSON.stringify(c.mapping), c.keyHash, c.createdAt, c.updatedAt)
      .run();
    return true;
  } catch (e) {
    if (/UNIQUE/i.test(String(e?.message))) return false;
    throw e;
  }
}

/** Replaces the editable columns of a connection; false when the new name is taken. */
export async function updateRow(db, c) {
  try {
    await db
      .prepare('UPDATE connections SET name = ?, role_arn = ?, external_id = ?, sts_region = ?, region = ?, model_id = ?, kind = ?, family = ?, template = ?, mapping = ?, updated_at = ? WHERE id = ?')
      .bind(c.name, c.roleArn, c.externalId, c.stsRegion, c.region, c.modelId, c.kind, c.family, c.template, JSON.stringify(c.mapping), c.updatedAt, c.id)
      .run();
    return true;
  } catch (e) {
    if (/UNIQUE/i.test(String(e?.message))) return false;
    throw e;
  }
}

export async function setKeyHash(db, id, keyHash, updatedAt) {
  const res = await db.prepare('UPDATE connections SET key_hash = ?, updated_at = ? WHERE id = ?').bind(keyHash, updatedAt, id).run();
  return res.meta.changes > 0;
}

export async function deleteRow(db, id) {
  const res = await db.prepare('DELETE FROM connections WHERE id = ?').bind(id).run();
  return res.meta.changes > 0;
}
