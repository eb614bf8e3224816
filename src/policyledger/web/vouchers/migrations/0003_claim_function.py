"""The first-come claim as one PostgreSQL function, so a claim is one round trip, not five.

The steps are those of services/claims.py (_claim_locked): the person's advisory lock, the
earlier claim with this key, the person's limits, the lowest unlocked available voucher taken
by compare-and-set, the claim row, the batch counter last. Each statement of a VOLATILE
plpgsql function reads a fresh snapshot under READ COMMITTED, so the checks after the lock see
what the person's previous claim committed while this one waited. Called in autocommit, the
whole function is one transaction; any exception rolls all of it back. SQLite: nothing to do.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION vouchers_claim_first_come(
    p_user bigint, p_key text, p_campaign bigint, p_batch bigint,
    p_batch_limit integer, p_campaign_limit integer,
    p_lock_key bigint, p_lock_timeout text, p_now timestamptz,
    p_reservation text, p_ip inet, p_device text, p_deadline_ms bigint,
    OUT o_prior bigint, OUT o_total bigint, OUT o_in_batch bigint,
    OUT o_voucher bigint, OUT o_code text, OUT o_claim bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('lock_timeout', p_lock_timeout, true);
    PERFORM pg_advisory_xact_lock(p_lock_key);
    SELECT c.id INTO o_prior FROM vouchers_claim c
        WHERE c.user_id = p_user AND c.idempotency_key = p_key;
    IF o_prior IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT count(*), count(*) FILTER (WHERE v.batch_id = p_batch) INTO o_total, o_in_batch
        FROM vouchers_voucher v WHERE v.owner_id = p_user AND v.campaign_id = p_campaign;
    IF o_in_batch >= p_batch_limit OR o_total >= p_campaign_limit THEN
        RETURN;
    END IF;
    UPDATE vouchers_voucher v SET owner_id = p_user, state = 'claimed', claimed_at = p_now
        WHERE v.id = (SELECT a.id FROM vouchers_voucher a
                      WHERE a.batch_id = p_batch AND a.state = 'available'
                      ORDER BY a.id LIMIT 1 FOR UPDATE SKIP LOCKED)
          AND v.state = 'available'
        RETURNING v.id, v.code INTO o_voucher, o_code;
    IF o_voucher IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO vouchers_claim (user_id, idempotency_key, campaign_id, batch_id, voucher_id,
                                reservation, ip, device, result, created_at)
        VALUES (p_user, p_key, p_campaign, p_batch, o_voucher, p_reservation, p_ip, p_device,
                jsonb_build_object('voucher', o_voucher, 'code', o_code), p_now)
        RETURNING id INTO o_claim;
    -- Last: the batch row is hot, hold its lock as briefly as possible.
    UPDATE vouchers_batch SET claimed = claimed + 1 WHERE id = p_batch;
    -- Past the gate's deadline the reconciler may already have handed the stock back.
    IF p_deadline_ms IS NOT NULL
       AND extract(epoch FROM clock_timestamp()) * 1000 > p_deadline_ms THEN
        RAISE EXCEPTION 'claim reservation past its deadline' USING ERRCODE = 'PLV01';
    END IF;
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS vouchers_claim_first_come(bigint, text, bigint, bigint, integer, integer, bigint, text, timestamptz, text, inet, text, bigint);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0002_campaign_measure_task")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
