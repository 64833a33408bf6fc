-- Caps that hold for every caller (issue 15): try_record_action gains p_at (the moment whose UTC day and
-- hour the slot counts in, default now()), serialises its callers on a row per account, action type and
-- UTC day instead of an advisory lock, refuses a NULL or unknown account or action type with an error,
-- and every action type has a default cap (`view` had none).

-- One row per account, action type and UTC day, taken FOR UPDATE by every try_record_action call for
-- them and updated by every grant. Under READ COMMITTED the lock alone serialises callers (each statement
-- sees what was committed before it). Under REPEATABLE READ or SERIALIZABLE the caller's snapshot may
-- predate other callers' grants; then locking a row that a grant updated after that snapshot fails with
-- a serialization error instead of counting stale rows, so a cap is never exceeded at any isolation level.
CREATE TABLE IF NOT EXISTS action_cap_days (
    account_id      INTEGER NOT NULL REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    action_type     VARCHAR(50) NOT NULL,
    action_date     DATE NOT NULL,
    granted         INTEGER NOT NULL DEFAULT 0,
    last_granted_at TIMESTAMPTZ,
    PRIMARY KEY (account_id, action_type, action_date)
);

-- `view` gets a default cap like every other action type (in the settings row too, where the defaults
-- are written down; an existing `view` entry is kept).
INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit, updated_by)
VALUES (NULL, 'view', 500, 100, 'migration')
ON CONFLICT (account_id, action_type) DO NOTHING;
UPDATE system_settings
   SET setting_value = setting_value || '{"view": {"daily": 500, "hourly": 100}}'::jsonb
 WHERE setting_key = 'automation_rate_limits'
   AND jsonb_typeof(setting_value) = 'object'
   AND NOT setting_value ? 'view';

-- A new parameter makes a new function: the six-argument one goes, or two-argument calls would be
-- ambiguous between the two.
DROP FUNCTION IF EXISTS try_record_action(integer, text, text, text, text, text);

CREATE OR REPLACE FUNCTION try_record_action(
    p_account_id   integer,
    p_action_type  text,
    p_target_type  text DEFAULT NULL,
    p_target_id    text DEFAULT NULL,
    p_content_text text DEFAULT NULL,
    p_triggered_by text DEFAULT 'workflow',
    p_at           timestamptz DEFAULT now()
) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_day        date;
    v_hour       integer;
    v_daily      integer;
    v_hourly     integer;
    v_day_count  integer;
    v_hour_count integer;
    v_id         integer;
    v_level      integer;
BEGIN
    IF p_account_id IS NULL THEN
        RAISE EXCEPTION 'try_record_action: the account id is NULL; nothing was recorded'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the social_media_accounts.id of the account that acts.';
    END IF;
    IF p_action_type IS NULL
       OR p_action_type NOT IN ('like', 'comment', 'follow', 'unfollow', 'message', 'search', 'view') THEN
        RAISE EXCEPTION 'try_record_action: unknown action type %; nothing was recorded',
                        coalesce(quote_literal(p_action_type), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'One of like, comment, follow, unfollow, message, search, view.';
    END IF;
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'try_record_action: p_at is NULL; nothing was recorded'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave p_at out to count the action at now().';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM social_media_accounts WHERE id = p_account_id) THEN
        RAISE EXCEPTION 'try_record_action: no account has id %; nothing was recorded', p_account_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Pass the social_media_accounts.id of the account that acts.';
    END IF;

    v_day := (p_at AT TIME ZONE 'UTC')::date;
    v_hour := EXTRACT(HOUR FROM (p_at AT TIME ZONE 'UTC'))::integer;

    BEGIN
        INSERT INTO action_cap_days (account_id, action_type, action_date)
        VALUES (p_account_id, p_action_type, v_day)
        ON CONFLICT (account_id, action_type, action_date) DO NOTHING;
        PERFORM 1 FROM action_cap_days
         WHERE account_id = p_account_id AND action_type = p_action_type AND action_date = v_day
           FOR UPDATE;
        IF NOT FOUND THEN
            -- Inserted by a caller whose commit this transaction's snapshot cannot see.
            RAISE EXCEPTION USING ERRCODE = 'serialization_failure';
        END IF;
    EXCEPTION WHEN serialization_failure THEN
        RAISE EXCEPTION 'try_record_action: another caller took a % slot for account % on % after this '
                        'transaction''s snapshot (%); nothing was recorded',
                        p_action_type, p_account_id, v_day, current_setting('transaction_isolation')
            USING ERRCODE = 'serialization_failure',
                  HINT = 'Retry the transaction, or call try_record_action in a READ COMMITTED transaction, '
                         'where it waits instead of failing.';
    END;

    SELECT c.daily_limit, c.hourly_limit INTO v_daily, v_hourly
    FROM action_caps c
    WHERE c.action_type = p_action_type
      AND (c.account_id = p_account_id OR c.account_id IS NULL)
    ORDER BY c.account_id NULLS LAST
    LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'try_record_action: no cap is set for % (neither the account''s nor the default); '
                        'nothing was recorded', p_action_type
            USING ERRCODE = 'no_data_found',
                  HINT = 'Set one with /limits set or python -m bot limits set.';
    END IF;

    SELECT count(*), count(*) FILTER (WHERE a.action_hour = v_hour)
      INTO v_day_count, v_hour_count
    FROM automation_actions a
    WHERE a.account_id = p_account_id
      AND a.action_type = p_action_type
      AND a.action_date = v_day;

    IF v_day_count >= v_daily OR (v_hourly IS NOT NULL AND v_hour_count >= v_hourly) THEN
        RETURN NULL;
    END IF;

    UPDATE action_cap_days
       SET granted = granted + 1, last_granted_at = p_at
     WHERE account_id = p_account_id AND action_type = p_action_type AND action_date = v_day;

    INSERT INTO automation_actions (account_id, action_type, target_type, target_id, content_text,
                                    triggered_by, action_date, action_hour, created_at)
    VALUES (p_account_id, p_action_type, p_target_type, p_target_id, p_content_text,
            p_triggered_by, v_day, v_hour, p_at)
    RETURNING id INTO v_id;

    -- Tell the team once when the day's count reaches 80% and 100% of the cap.
    v_day_count := v_day_count + 1;
    IF v_daily > 0 THEN
        v_level := CASE
                     WHEN v_day_count = v_daily THEN 100
                     WHEN v_day_count = ceil(v_daily * 0.8)::integer THEN 80
                   END;
        IF v_level IS NOT NULL THEN
            INSERT INTO notification_outbox (kind, payload, dedupe_key)
            VALUES ('cap_alert',
                    jsonb_build_object('account_id', p_account_id,
                                       'account', (SELECT username FROM social_media_accounts
                                                   WHERE id = p_account_id),
                                       'action_type', p_action_type,
                                       'level', v_level, 'count', v_day_count, 'daily_limit', v_daily,
                                       'date', v_day, 'at', now()),
                    format('cap:%s:%s:%s:%s', p_account_id, p_action_type, v_day, v_level))
            ON CONFLICT (dedupe_key) DO NOTHING;
        END IF;
    END IF;
    RETURN v_id;
END;
$$;
