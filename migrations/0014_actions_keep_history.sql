-- The action log is an audit trail: as with the original's foreign key (no ON DELETE), an account that has
-- logged actions is not deleted from under them. 0002 had made it ON DELETE CASCADE on a fresh database;
-- the constraint is put back to the original's rule under its own name.
DO $$
DECLARE
    v_name text;
BEGIN
    FOR v_name IN
        SELECT c.conname FROM pg_constraint c
         WHERE c.conrelid = 'automation_actions'::regclass AND c.contype = 'f'
           AND c.confrelid = 'social_media_accounts'::regclass AND c.confdeltype = 'c'
    LOOP
        EXECUTE format('ALTER TABLE automation_actions DROP CONSTRAINT %I', v_name);
        EXECUTE format('ALTER TABLE automation_actions ADD CONSTRAINT %I FOREIGN KEY (account_id) '
                       'REFERENCES social_media_accounts (id)', v_name);
    END LOOP;
END;
$$;
