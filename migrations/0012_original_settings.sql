-- The operator's settings stay the operator's. system_settings.automation_rate_limits (the original's
-- home for the caps, edited by operators and read by the original's tools) and action_caps (the table
-- try_record_action reads; account_id NULL is the default for every account) hold the same default caps:
--   * on upgrade, the caps in force are the ones in system_settings, except a default cap already set
--     from Checkback (/limits set), which is written into system_settings instead;
--   * afterwards an edit of either side is copied to the other in the same transaction (two triggers;
--     the copy made by one does not fire the other back: pg_trigger_depth).
-- Entries the original's shape does not describe (not an object, a non-integer daily cap) are left out of
-- action_caps rather than failing the operator's edit.

-- A cap entry of automation_rate_limits as (daily, hourly); NULL when it is not a usable cap.
CREATE OR REPLACE FUNCTION checkback_cap_of_setting(p_entry jsonb)
RETURNS TABLE (daily_limit integer, hourly_limit integer)
LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_entry ->> 'daily')::integer,
           CASE WHEN jsonb_typeof(p_entry -> 'hourly') = 'number' THEN (p_entry ->> 'hourly')::integer END
     WHERE jsonb_typeof(p_entry) = 'object'
       AND jsonb_typeof(p_entry -> 'daily') = 'number'
       AND (p_entry ->> 'daily') ~ '^[0-9]{1,9}$'
       AND coalesce(p_entry ->> 'hourly', '0') ~ '^[0-9]{1,9}$'
$$;

-- The default caps of action_caps from a value of automation_rate_limits (only where they differ).
CREATE OR REPLACE FUNCTION checkback_caps_from_settings(p_value jsonb, p_by text)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit, updated_by)
    SELECT NULL, e.key, c.daily_limit, c.hourly_limit, p_by
      FROM jsonb_each(CASE WHEN jsonb_typeof(p_value) = 'object' THEN p_value ELSE '{}'::jsonb END) AS e
     CROSS JOIN LATERAL checkback_cap_of_setting(e.value) AS c
     WHERE e.key IN ('like', 'comment', 'follow', 'unfollow', 'message', 'search', 'view')
    ON CONFLICT (account_id, action_type) DO UPDATE
       SET daily_limit = EXCLUDED.daily_limit, hourly_limit = EXCLUDED.hourly_limit,
           updated_by = EXCLUDED.updated_by, updated_at = now()
     WHERE (action_caps.daily_limit, action_caps.hourly_limit)
           IS DISTINCT FROM (EXCLUDED.daily_limit, EXCLUDED.hourly_limit);
$$;

-- One default cap written into automation_rate_limits, keeping the entry's other keys and the other
-- entries; the setting is created when missing.
CREATE OR REPLACE FUNCTION checkback_cap_to_settings(p_action_type text, p_daily integer, p_hourly integer)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_value jsonb;
    v_entry jsonb;
BEGIN
    SELECT setting_value INTO v_value FROM system_settings
     WHERE setting_key = 'automation_rate_limits' FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO system_settings (setting_key, setting_value, description)
        VALUES ('automation_rate_limits',
                jsonb_build_object(p_action_type, jsonb_build_object('daily', p_daily, 'hourly', p_hourly)),
                'Rate limits for automation actions by type')
        ON CONFLICT (setting_key) DO NOTHING;
        RETURN;
    END IF;
    IF jsonb_typeof(v_value) IS DISTINCT FROM 'object' THEN
        v_value := '{}'::jsonb;
    END IF;
    v_entry := CASE WHEN jsonb_typeof(v_value -> p_action_type) = 'object'
                    THEN v_value -> p_action_type ELSE '{}'::jsonb END
               || jsonb_build_object('daily', p_daily, 'hourly', p_hourly);
    IF v_value -> p_action_type IS DISTINCT FROM v_entry THEN
        UPDATE system_settings
           SET setting_value = jsonb_set(v_value, ARRAY[p_action_type], v_entry), updated_at = now()
         WHERE setting_key = 'automation_rate_limits';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION checkback_settings_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 AND NEW.setting_key = 'automation_rate_limits' THEN
        PERFORM checkback_caps_from_settings(NEW.setting_value, 'system_settings');
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION checkback_default_cap_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 AND NEW.account_id IS NULL THEN
        PERFORM checkback_cap_to_settings(NEW.action_type, NEW.daily_limit, NEW.hourly_limit);
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS checkback_caps_from_settings ON system_settings;
CREATE TRIGGER checkback_caps_from_settings
    AFTER INSERT OR UPDATE OF setting_value ON system_settings
    FOR EACH ROW EXECUTE FUNCTION checkback_settings_changed();

DROP TRIGGER IF EXISTS checkback_caps_to_settings ON action_caps;
CREATE TRIGGER checkback_caps_to_settings
    AFTER INSERT OR UPDATE OF daily_limit, hourly_limit ON action_caps
    FOR EACH ROW EXECUTE FUNCTION checkback_default_cap_changed();

-- Now: default caps set from Checkback go into the setting, then the setting's caps are the ones in force.
SELECT checkback_cap_to_settings(action_type, daily_limit, hourly_limit)
  FROM action_caps
 WHERE account_id IS NULL AND updated_by IS DISTINCT FROM 'migration'
 ORDER BY action_type;
SELECT checkback_caps_from_settings(setting_value, 'system_settings')
  FROM system_settings WHERE setting_key = 'automation_rate_limits';

-- A check_schedule entry is an ISO 8601 time; one written without an offset (the original's) is UTC,
-- whatever the session's time zone.
CREATE OR REPLACE FUNCTION checkback_schedule_time(p_value text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE
             WHEN p_value IS NULL THEN NULL
             WHEN p_value ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN p_value::timestamptz
             ELSE p_value::timestamp AT TIME ZONE 'UTC'
           END
$$;

CREATE OR REPLACE FUNCTION get_next_check_time(p_post_id integer) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE
             WHEN coalesce(p.checks_completed, 0) < jsonb_array_length(coalesce(p.check_schedule, '[]'::jsonb))
             THEN checkback_schedule_time(p.check_schedule ->> coalesce(p.checks_completed, 0))
           END
    FROM social_media_posts p
    WHERE p.id = p_post_id
$$;

CREATE OR REPLACE FUNCTION record_check_completion(p_post_id integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_done  integer;
    v_total integer;
BEGIN
    UPDATE social_media_posts
       SET checks_completed = coalesce(checks_completed, 0) + 1,
           updated_at = now()
     WHERE id = p_post_id
    RETURNING checks_completed, jsonb_array_length(coalesce(check_schedule, '[]'::jsonb))
         INTO v_done, v_total;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v_done >= v_total THEN
        UPDATE social_media_posts
           SET tracking_complete = true, next_check_at = NULL
         WHERE id = p_post_id;
    ELSE
        UPDATE social_media_posts
           SET next_check_at = checkback_schedule_time(check_schedule ->> v_done)
         WHERE id = p_post_id;
    END IF;
END;
$$;
