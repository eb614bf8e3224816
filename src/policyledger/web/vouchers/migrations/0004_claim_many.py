"""Claims in batches: vouchers_claim_many runs the steps of the first-come claim for many
claims in one transaction, and vouchers_claim_first_come becomes that function called for one.

Why: on a small machine each claim paid for its own round trip, transaction and WAL flush, and
every claim of a batch queued on the batch's counter row. The async claim workers
(services/claims_async.py) gather the claims that arrive while the previous batch is in
flight and send them together: one round trip, one commit and one counter update per batch.
Each claim still gets its own answer; a claim is acknowledged only after the commit.

The steps per claim are those of 0003 (the person's advisory lock, the earlier claim with this
key, the limits, the lowest unlocked available voucher by compare-and-set, the claim row); the
voucher is picked through the partial index whatever the statistics say (see the comment in the
query), and two changes come with batching:
- claims run in the order of their people's lock keys, so two batches that share a person
  wait for each other and cannot deadlock;
- the gate's deadline is checked before a claim writes rather than after, so a late claim is
  skipped (o_late) instead of rolling back the whole batch. The window in which the reconciler
  could hand back a reservation whose claim then commits is the rest of the batch, a few
  milliseconds against a deadline of seconds; PostgreSQL stays the judge either way.
A lock_timeout still aborts the whole call; the async caller then claims one at a time.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION vouchers_claim_many(
    p_users bigint[], p_keys text[], p_campaigns bigint[], p_batches bigint[],
    p_batch_limits integer[], p_campaign_limits integer[],
    p_lock_keys bigint[], p_lock_timeout text, p_now timestamptz,
    p_reservations text[], p_ips inet[], p_devices text[], p_deadlines bigint[])
RETURNS TABLE (o_idx integer, o_prior bigint, o_total bigint, o_in_batch bigint,
               o_voucher bigint, o_code text, o_claim bigint, o_late boolean)
-- Every statement here is an index lookup. The claim table of a new system is empty when its
-- first release starts, and statistics that say "one page" make PostgreSQL read a person's
-- earlier claims by scanning the table: as the release fills it, each claim would read every
-- claim before it. Without sequential scans the plans stay on the indexes whatever the
-- statistics say.
SET enable_seqscan = off
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i integer;
    taken bigint[] := '{}';
    b bigint;
BEGIN
    PERFORM set_config('lock_timeout', p_lock_timeout, true);
    FOR i IN SELECT k.n FROM unnest(p_lock_keys) WITH ORDINALITY AS k(lock_key, n)
             ORDER BY k.lock_key, k.n LOOP
        o_idx := i;
        o_prior := NULL; o_total := NULL; o_in_batch := NULL;
        o_voucher := NULL; o_code := NULL; o_claim := NULL; o_late := false;
        PERFORM pg_advisory_xact_lock(p_lock_keys[i]);
        SELECT c.id INTO o_prior FROM vouchers_claim c
            WHERE c.user_id = p_users[i] AND c.idempotency_key = p_keys[i];
        IF o_prior IS NULL THEN
            SELECT count(*), count(*) FILTER (WHERE v.batch_id = p_batches[i])
                INTO o_total, o_in_batch
                FROM vouchers_voucher v
                WHERE v.owner_id = p_users[i] AND v.campaign_id = p_campaigns[i];
            IF o_in_batch < p_batch_limits[i] AND o_total < p_campaign_limits[i] THEN
                IF p_deadlines[i] IS NOT NULL
                   AND extract(epoch FROM clock_timestamp()) * 1000 > p_deadlines[i] THEN
                    -- Past the gate's deadline the reconciler may hand the stock back.
                    o_late := true;
                ELSE
                    -- BETWEEN and the two-column order make the partial index voucher_available
                    -- (batch_id, id) the only one that yields the rows in order: with "=" and
                    -- ORDER BY id, statistics taken while the batch was all available let the
                    -- planner walk the primary key past every voucher already claimed.
                    UPDATE vouchers_voucher v
                        SET owner_id = p_users[i], state = 'claimed', claimed_at = p_now
                        WHERE v.id = (SELECT a.id FROM vouchers_voucher a
                                      WHERE a.batch_id BETWEEN p_batches[i] AND p_batches[i]
                                        AND a.state = 'available'
                                      ORDER BY a.batch_id, a.id LIMIT 1 FOR UPDATE SKIP LOCKED)
                          AND v.state = 'available'
                        RETURNING v.id, v.code INTO o_voucher, o_code;
                    IF o_voucher IS NOT NULL THEN
                        INSERT INTO vouchers_claim (user_id, idempotency_key, campaign_id,
                                                    batch_id, voucher_id, reservation, ip,
                                                    device, result, created_at)
                            VALUES (p_users[i], p_keys[i], p_campaigns[i], p_batches[i],
                                    o_voucher, p_reservations[i], p_ips[i], p_devices[i],
                                    jsonb_build_object('voucher', o_voucher, 'code', o_code),
                                    p_now)
                            RETURNING id INTO o_claim;
                        taken := taken || p_batches[i];
                    END IF;
                END IF;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
    -- Last, in id order: the batch rows are hot, hold their locks as briefly as possible.
    FOR b IN SELECT DISTINCT t.batch_id FROM unnest(taken) AS t(batch_id) ORDER BY 1 LOOP
        UPDATE vouchers_batch
            SET claimed = claimed + (SELECT count(*) FROM unnest(taken) AS x(id) WHERE x.id = b)
            WHERE id = b;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION vouchers_claim_first_come(
    p_user bigint, p_key text, p_campaign bigint, p_batch bigint,
    p_batch_limit integer, p_campaign_limit integer,
    p_lock_key bigint, p_lock_timeout text, p_now timestamptz,
    p_reservation text, p_ip inet, p_device text, p_deadline_ms bigint,
    OUT o_prior bigint, OUT o_total bigint, OUT o_in_batch bigint,
    OUT o_voucher bigint, OUT o_code text, OUT o_claim bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM vouchers_claim_many(
        ARRAY[p_user], ARRAY[p_key], ARRAY[p_campaign], ARRAY[p_batch],
        ARRAY[p_batch_limit], ARRAY[p_campaign_limit], ARRAY[p_lock_key], p_lock_timeout,
        p_now, ARRAY[p_reservation], ARRAY[p_ip], ARRAY[p_device], ARRAY[p_deadline_ms]);
    IF r.o_late THEN
        RAISE EXCEPTION 'claim reservation past its deadline' USING ERRCODE = 'PLV01';
    END IF;
    o_prior := r.o_prior; o_total := r.o_total; o_in_batch := r.o_in_batch;
    o_voucher := r.o_voucher; o_code := r.o_code; o_claim := r.o_claim;
END
$$;
"""

DROP_MANY = (
    "DROP FUNCTION IF EXISTS vouchers_claim_many(bigint[], text[], bigint[], bigint[], "
    "integer[], integer[], bigint[], text, timestamptz, text[], inet[], text[], bigint[]);"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        single = import_module("policyledger.web.vouchers.migrations.0003_claim_function")
        schema_editor.execute(single.CREATE)
        schema_editor.execute(DROP_MANY)


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0003_claim_function")]

    operations = [migrations.RunPython(create, restore, elidable=False)]
