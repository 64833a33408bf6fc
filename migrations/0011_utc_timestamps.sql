-- The original system's naive TIMESTAMP columns become timestamptz, their stored values read as UTC (the
-- original wrote datetime.utcnow()-style values). A fresh database has none, so this changes nothing there.
--
-- With the session in UTC, Postgres (12 and later) converts timestamp to timestamptz without rewriting the
-- table, so even a large snapshot table converts at once. Only the original's own tables are converted;
-- a team's other tables are left alone. Views that read those tables cannot survive a column type change:
-- each one (and each view built on it) is saved with its exact definition, comment, owner and grants,
-- dropped, and created again afterwards with the same columns in the same order.
SET LOCAL TimeZone = 'UTC';

DO $$
DECLARE
    v_tables CONSTANT text[] := ARRAY[
        'social_media_accounts', 'social_media_analytics_snapshots', 'social_media_posts',
        'social_media_post_analytics', 'social_media_hashtags', 'social_media_post_hashtags',
        'social_media_mentions', 'social_media_comments', 'social_media_audience_demographics',
        'social_media_content_mapping', 'api_usage_tracking', 'analytics_fetch_jobs', 'system_settings',
        'social_media_conversations', 'social_media_messages', 'automation_actions', 'message_templates'];
    v_oids   oid[];
    v_view   record;
    v_acl    record;
    v_table  text;
    v_alter  text;
BEGIN
    -- The original's tables (in this schema) that still have a naive column.
    SELECT coalesce(array_agg(DISTINCT c.oid), '{}') INTO v_oids
      FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
       AND c.relname = ANY (v_tables) AND a.atttypid = 'timestamp'::regtype;
    IF cardinality(v_oids) = 0 THEN
        RETURN;
    END IF;

    -- Every view reading those tables, directly or through other views, with its depth (a view comes
    -- after every view it reads).
    CREATE TEMP TABLE checkback_saved_views ON COMMIT DROP AS
    WITH RECURSIVE deps (view_oid, depth) AS (
        SELECT DISTINCT r.ev_class, 1
          FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
         WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
           AND d.refobjid = ANY (v_oids) AND r.ev_class <> d.refobjid
        UNION
        SELECT r.ev_class, deps.depth + 1
          FROM deps
          JOIN pg_depend d ON d.refobjid = deps.view_oid AND d.refclassid = 'pg_class'::regclass
                          AND d.classid = 'pg_rewrite'::regclass
          JOIN pg_rewrite r ON r.oid = d.objid
         WHERE r.ev_class <> deps.view_oid AND deps.depth < 50
    )
    SELECT c.oid AS view_oid, n.nspname AS schema_name, c.relname AS view_name, max(deps.depth) AS depth,
           pg_get_viewdef(c.oid) AS definition, c.reloptions, obj_description(c.oid, 'pg_class') AS comment,
           pg_get_userbyid(c.relowner) AS owner, c.relacl
      FROM deps JOIN pg_class c ON c.oid = deps.view_oid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'v'
     GROUP BY c.oid, n.nspname, c.relname, c.reloptions, c.relowner, c.relacl;

    FOR v_view IN SELECT * FROM checkback_saved_views ORDER BY depth DESC LOOP
        EXECUTE format('DROP VIEW %I.%I', v_view.schema_name, v_view.view_name);
    END LOOP;

    FOR v_table IN SELECT c.relname FROM pg_class c WHERE c.oid = ANY (v_oids) ORDER BY c.relname LOOP
        SELECT string_agg(format('ALTER COLUMN %I TYPE timestamptz', a.attname), ', ' ORDER BY a.attnum)
          INTO v_alter
          FROM pg_attribute a
         WHERE a.attrelid = to_regclass(v_table) AND a.attnum > 0 AND NOT a.attisdropped
           AND a.atttypid = 'timestamp'::regtype;
        EXECUTE format('ALTER TABLE %I %s', v_table, v_alter);
    END LOOP;

    FOR v_view IN SELECT * FROM checkback_saved_views ORDER BY depth LOOP
        EXECUTE format('CREATE VIEW %I.%I %s AS %s', v_view.schema_name, v_view.view_name,
                       CASE WHEN v_view.reloptions IS NULL THEN ''
                            ELSE format('WITH (%s)', array_to_string(v_view.reloptions, ', ')) END,
                       v_view.definition);
        IF v_view.comment IS NOT NULL THEN
            EXECUTE format('COMMENT ON VIEW %I.%I IS %L', v_view.schema_name, v_view.view_name, v_view.comment);
        END IF;
        IF v_view.owner <> current_user THEN
            EXECUTE format('ALTER VIEW %I.%I OWNER TO %I', v_view.schema_name, v_view.view_name, v_view.owner);
        END IF;
        FOR v_acl IN
            SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END AS who,
                   x.privilege_type, x.is_grantable
              FROM aclexplode(v_view.relacl) AS x
             WHERE x.grantee <> (SELECT c.relowner FROM pg_class c
                                  WHERE c.oid = to_regclass(format('%I.%I', v_view.schema_name, v_view.view_name)))
        LOOP
            EXECUTE format('GRANT %s ON %I.%I TO %s%s', v_acl.privilege_type, v_view.schema_name,
                           v_view.view_name, v_acl.who,
                           CASE WHEN v_acl.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END LOOP;
END;
$$;
