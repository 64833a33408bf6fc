-- The metrics API's rate and monthly budget, held here for every bot process together (DESIGN.md §9):
-- each process asks Postgres for its send time and its budgeted call, so N processes never exceed the
-- plan's rate or its monthly calls between them.

-- One row per rate-limited API (per key): the earliest time the next request may be sent. Each request
-- takes the slot at greatest(next_slot, now) and moves next_slot on by 1/rate, so the slots handed out are
-- at least 1/rate apart whoever asks, and idle time never saves up into a burst.
CREATE TABLE IF NOT EXISTS metrics_rate_slots (
    name       TEXT PRIMARY KEY,
    next_slot  TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Calls counted against the monthly budget, one row per provider and UTC month. Started from the month's
-- api_usage_tracking rows the first time it is used, then incremented only while below the budget.
CREATE TABLE IF NOT EXISTS metrics_budget_months (
    provider   VARCHAR(100) NOT NULL,
    month      DATE NOT NULL,
    calls      INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, month)
);

-- The send time of one request at `p_rate` requests/s, and the server's clock when it was handed out
-- (the caller sleeps send_at - db_now, so its own clock never matters).
CREATE OR REPLACE FUNCTION take_rate_slot(p_name TEXT, p_rate DOUBLE PRECISION)
RETURNS TABLE (send_at TIMESTAMPTZ, db_now TIMESTAMPTZ)
LANGUAGE plpgsql AS $$
DECLARE
    v_now  TIMESTAMPTZ := clock_timestamp();
    v_step INTERVAL := interval '1 second' / p_rate;
    v_next TIMESTAMPTZ;
BEGIN
    IF p_rate IS NULL OR p_rate <= 0 THEN
        RAISE EXCEPTION 'take_rate_slot: rate must be positive, got %', p_rate;
    END IF;
    INSERT INTO metrics_rate_slots AS s (name, next_slot, updated_at)
    VALUES (p_name, v_now + v_step, v_now)
    ON CONFLICT (name) DO UPDATE
        SET next_slot = greatest(s.next_slot, v_now) + v_step, updated_at = v_now
    RETURNING s.next_slot INTO v_next;
    send_at := v_next - v_step;
    db_now := v_now;
    RETURN NEXT;
END;
$$;

-- Nobody may send before now + p_seconds (the API answered 429 with Retry-After): every process backs off.
CREATE OR REPLACE FUNCTION pause_rate_slots(p_name TEXT, p_seconds DOUBLE PRECISION)
RETURNS TIMESTAMPTZ
LANGUAGE sql AS $$
    INSERT INTO metrics_rate_slots AS s (name, next_slot, updated_at)
    VALUES (p_name, clock_timestamp() + make_interval(secs => p_seconds), clock_timestamp())
    ON CONFLICT (name) DO UPDATE
        SET next_slot = greatest(s.next_slot, clock_timestamp() + make_interval(secs => p_seconds)),
            updated_at = clock_timestamp()
    RETURNING next_slot;
$$;

-- Counts one call in `p_month` (its first day) if the month's calls are below `p_budget` (NULL: no
-- budget, always counted). Returns the month's calls including this one, or NULL (counting nothing) when
-- the budget is used up. Concurrent callers queue on the month's row and re-check the budget after the
-- wait, so together they never count past it.
CREATE OR REPLACE FUNCTION take_budget_call(p_provider TEXT, p_month DATE, p_budget INTEGER)
RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    v_used INTEGER;
BEGIN
    LOOP
        UPDATE metrics_budget_months
           SET calls = calls + 1, updated_at = clock_timestamp()
         WHERE provider = p_provider AND month = p_month AND (p_budget IS NULL OR calls < p_budget)
        RETURNING calls INTO v_used;
        IF FOUND THEN
            RETURN v_used;
        END IF;
        SELECT calls INTO v_used FROM metrics_budget_months WHERE provider = p_provider AND month = p_month;
        IF FOUND THEN
            IF v_used >= p_budget THEN
                RETURN NULL;
            END IF;
            CONTINUE;  -- another caller created the row between the two statements: count against it
        END IF;
        -- The month's first call through the counter starts from the calls already recorded.
        INSERT INTO metrics_budget_months (provider, month, calls)
        SELECT p_provider, p_month, COALESCE(SUM(COALESCE(request_count, 1)), 0)
          FROM api_usage_tracking
         WHERE provider_name = p_provider AND date >= p_month AND date < (p_month + interval '1 month')::date
        ON CONFLICT (provider, month) DO NOTHING;
    END LOOP;
END;
$$;

-- One request's budget and rate slot in one round trip. `used` NULL: the budget is used up, and no slot
-- was taken (send_at and db_now are NULL too).
CREATE OR REPLACE FUNCTION take_metrics_call(
    p_name TEXT, p_rate DOUBLE PRECISION, p_provider TEXT, p_month DATE, p_budget INTEGER
)
RETURNS TABLE (used INTEGER, send_at TIMESTAMPTZ, db_now TIMESTAMPTZ)
LANGUAGE plpgsql AS $$
BEGIN
    used := take_budget_call(p_provider, p_month, p_budget);
    IF used IS NULL THEN
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT s.send_at, s.db_now INTO send_at, db_now FROM take_rate_slot(p_name, p_rate) AS s;
    RETURN NEXT;
END;
$$;
