import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Serialises every append; see event-store.ts for why position order is commit order. */
export const APPEND_LOCK_KEY = 7_404_201_001;
export const EVENTS_CHANNEL = 'pgw_events';
export const CONFLICT_SQLSTATE = 'PGW01';

export class EventStore1764000000000 implements MigrationInterface {
  name = 'EventStore1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE events (
        position    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream_id   text        NOT NULL CHECK (stream_id <> ''),
        version     integer     NOT NULL CHECK (version > 0),
        type        text        NOT NULL CHECK (type <> ''),
        data        jsonb       NOT NULL,
        metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT events_stream_version UNIQUE (stream_id, version)
      )`);
    await runner.query(`CREATE INDEX events_type_position ON events (type, position)`);
    await runner.query(`CREATE INDEX events_recorded_at ON events (recorded_at)`);
    await runner.query(`
      CREATE FUNCTION pgw_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the events table is append-only' USING ERRCODE = 'PGW02';
      END $$`);
    await runner.query(`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION pgw_events_append_only()`);
    await runner.query(`CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION pgw_events_append_only()`);
    await runner.query(`
      CREATE TABLE checkpoints (
        name       text        PRIMARY KEY,
        position   bigint      NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One statement, one round trip: lock, check the expected version, insert, notify.
    // p_expected: NULL = any, -2 = stream must exist, n >= 0 = exactly n (0 = no stream yet).
    await runner.query(`
      CREATE FUNCTION pgw_append_to_stream(p_stream text, p_expected integer, p_types text[], p_data text[], p_metadata text[])
      RETURNS TABLE (out_position bigint, out_version integer, out_recorded_at timestamptz)
      LANGUAGE plpgsql AS $$
      DECLARE
        current_version integer;
      BEGIN
        PERFORM pg_advisory_xact_lock(${APPEND_LOCK_KEY});
        SELECT coalesce(max(e.version), 0) INTO current_version FROM events e WHERE e.stream_id = p_stream;
        IF (p_expected = -2 AND current_version = 0) OR (p_expected >= 0 AND current_version <> p_expected) THEN
          RAISE EXCEPTION 'expected version % of stream %, found %', p_expected, p_stream, current_version
            USING ERRCODE = '${CONFLICT_SQLSTATE}', DETAIL = current_version::text;
        END IF;
        RETURN QUERY
          INSERT INTO events (stream_id, version, type, data, metadata)
          SELECT p_stream, current_version + i.ord::integer, i.t, i.d::jsonb, i.m::jsonb
          FROM unnest(p_types, p_data, p_metadata) WITH ORDINALITY AS i(t, d, m, ord)
          ORDER BY i.ord
          RETURNING events.position, events.version, events.recorded_at;
        PERFORM pg_notify('${EVENTS_CHANNEL}', '');
      END $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP FUNCTION pgw_append_to_stream(text, integer, text[], text[], text[])`);
    await runner.query(`DROP TABLE checkpoints`);
    await runner.query(`DROP TABLE events`);
    await runner.query(`DROP FUNCTION pgw_events_append_only()`);
  }
}

export const MIGRATIONS = [EventStore1764000000000];
