-- Up Migration
--
-- attribution_touches → order_attribution: the same guarantee as the foreign key of 0006 (every touch
-- belongs to a stored attribution; deleting or truncating an attribution removes its touches), checked
-- once per statement instead of once per row. A backfill inserts ~7.5 touches per order; the per-row
-- foreign key check was a third of the Postgres time of the attribution backfill (docs/benchmarks.md,
-- Attribution). The insert check is one anti-join of the statement's new rows (a transition table)
-- against order_attribution, taking the same FOR KEY SHARE lock on the parents that a foreign key check
-- takes, so a concurrent delete of a parent waits for (or fails) the insert, and the delete's cascade then
-- sees the committed touches.
--
-- The functions run as the calling role: under RLS (lux_app) they see exactly the company the
-- transaction is set to, which is the only company whose rows that role can insert or delete anyway.

ALTER TABLE attribution_touches DROP CONSTRAINT attribution_touches_company_id_source_external_id_fkey;

-- section: a touch needs its order's attribution ----------------------------------------------------------
CREATE FUNCTION attribution_touches_check_parent() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  missing record;
BEGIN
  PERFORM 1 FROM order_attribution a
  WHERE (a.company_id, a.source, a.external_id) IN (SELECT DISTINCT n.company_id, n.source, n.external_id FROM new_touches n)
  FOR KEY SHARE OF a;
  SELECT n.company_id, n.source, n.external_id INTO missing FROM new_touches n
  WHERE NOT EXISTS (SELECT 1 FROM order_attribution a WHERE a.company_id = n.company_id AND a.source = n.source AND a.external_id = n.external_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert or update on table "attribution_touches" violates its reference to "order_attribution"'
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (company_id, source, external_id)=(%s, %s, %s) is not present in table "order_attribution".', missing.company_id, missing.source, missing.external_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER attribution_touches_parent_on_insert AFTER INSERT ON attribution_touches
  REFERENCING NEW TABLE AS new_touches FOR EACH STATEMENT EXECUTE FUNCTION attribution_touches_check_parent();
CREATE TRIGGER attribution_touches_parent_on_update AFTER UPDATE ON attribution_touches
  REFERENCING NEW TABLE AS new_touches FOR EACH STATEMENT EXECUTE FUNCTION attribution_touches_check_parent();

-- section: deleting an attribution deletes its touches (ON DELETE CASCADE) -----------------------------------
CREATE FUNCTION order_attribution_delete_touches() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  DELETE FROM attribution_touches t
  USING old_attributions o
  WHERE t.company_id = o.company_id AND t.source = o.source AND t.external_id = o.external_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER order_attribution_touches_on_delete AFTER DELETE ON order_attribution
  REFERENCING OLD TABLE AS old_attributions FOR EACH STATEMENT EXECUTE FUNCTION order_attribution_delete_touches();

-- the key of an attribution is never changed; if it were, its touches would be left behind: refuse
CREATE FUNCTION order_attribution_key_is_fixed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF (NEW.company_id, NEW.source, NEW.external_id) IS DISTINCT FROM (OLD.company_id, OLD.source, OLD.external_id) THEN
    RAISE EXCEPTION 'the key of an order_attribution row cannot be changed' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER order_attribution_key_on_update BEFORE UPDATE OF company_id, source, external_id ON order_attribution
  FOR EACH ROW EXECUTE FUNCTION order_attribution_key_is_fixed();

-- TRUNCATE order_attribution (directly, or cascading from orders) empties attribution_touches too
CREATE FUNCTION order_attribution_truncate_touches() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  TRUNCATE attribution_touches;
  RETURN NULL;
END
$$;

CREATE TRIGGER order_attribution_touches_on_truncate AFTER TRUNCATE ON order_attribution
  FOR EACH STATEMENT EXECUTE FUNCTION order_attribution_truncate_touches();

-- Down Migration
DROP TRIGGER IF EXISTS order_attribution_touches_on_truncate ON order_attribution;
DROP FUNCTION IF EXISTS order_attribution_truncate_touches();
DROP TRIGGER IF EXISTS order_attribution_key_on_update ON order_attribution;
DROP FUNCTION IF EXISTS order_attribution_key_is_fixed();
DROP TRIGGER IF EXISTS order_attribution_touches_on_delete ON order_attribution;
DROP FUNCTION IF EXISTS order_attribution_delete_touches();
DROP TRIGGER IF EXISTS attribution_touches_parent_on_update ON attribution_touches;
DROP TRIGGER IF EXISTS attribution_touches_parent_on_insert ON attribution_touches;
DROP FUNCTION IF EXISTS attribution_touches_check_parent();
DELETE FROM attribution_touches t
WHERE NOT EXISTS (SELECT 1 FROM order_attribution a WHERE a.company_id = t.company_id AND a.source = t.source AND a.external_id = t.external_id);
ALTER TABLE attribution_touches ADD FOREIGN KEY (company_id, source, external_id)
  REFERENCES order_attribution (company_id, source, external_id) ON DELETE CASCADE;
