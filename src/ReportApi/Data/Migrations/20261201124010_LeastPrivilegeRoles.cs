using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class LeastPrivilegeRoles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The service connects as pinreports_app (Database:ServicePassword): rows, temp tables, advisory locks, and DDL
            // only through the two SECURITY DEFINER partition functions below. Grafana connects as pinreports_grafana:
            // SELECT only, a statement timeout, no temp tables and no advisory locks (holding the evaluator's lock from a
            // dashboard would silence alerting). Roles are cluster-wide, so creation tolerates another database's copy; a
            // migration user without CREATEROLE still migrates and says what it could not do as a NOTICE. No table
            // changes; the model snapshot is untouched.
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_app') THEN
                        BEGIN
                            CREATE ROLE pinreports_app LOGIN;
                        EXCEPTION
                            WHEN duplicate_object THEN NULL;
                            WHEN insufficient_privilege THEN
                                RAISE NOTICE 'pinreports_app was not created (no CREATEROLE): create it, then migrate again for its grants';
                        END;
                    END IF;
                END
                $$;

                -- Partition maintenance for the service: the only DDL it may run. Names and bounds are derived here, never
                -- taken as SQL, and only partitioned tables of this schema qualify.
                CREATE OR REPLACE FUNCTION pinreports_create_day_partition(parent text, day date) RETURNS void
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
                BEGIN
                    IF NOT EXISTS (SELECT FROM pg_class c WHERE c.relname = parent AND c.relkind = 'p' AND c.relnamespace = 'public'::regnamespace) THEN
                        RAISE EXCEPTION 'not a partitioned table: %', parent USING ERRCODE = 'invalid_parameter_value';
                    END IF;
                    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                        parent || '_p' || to_char(day, 'YYYYMMDD'), parent, day::text || ' 00:00:00+00', (day + 1)::text || ' 00:00:00+00');
                END
                $fn$;

                CREATE OR REPLACE FUNCTION pinreports_drop_day_partition(partition text) RETURNS void
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
                BEGIN
                    IF partition !~ '^[a-z0-9_]+_p[0-9]{8}$' THEN
                        RAISE EXCEPTION 'not a daily partition: %', partition USING ERRCODE = 'invalid_parameter_value';
                    END IF;
                    -- Already gone (another replica's retention got there first): like DROP TABLE IF EXISTS.
                    IF NOT EXISTS (SELECT FROM pg_class c WHERE c.relname = partition AND c.relnamespace = 'public'::regnamespace) THEN
                        RETURN;
                    END IF;
                    IF NOT EXISTS (
                        SELECT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                        WHERE c.relname = partition AND c.relnamespace = 'public'::regnamespace AND p.relkind = 'p'
                          AND partition = p.relname || '_p' || right(partition, 8)) THEN
                        RAISE EXCEPTION 'not a daily partition: %', partition USING ERRCODE = 'invalid_parameter_value';
                    END IF;
                    EXECUTE format('DROP TABLE %I', partition);
                END
                $fn$;

                REVOKE ALL ON FUNCTION pinreports_create_day_partition(text, date) FROM PUBLIC;
                REVOKE ALL ON FUNCTION pinreports_drop_day_partition(text) FROM PUBLIC;

                DO $$
                DECLARE f record;
                BEGIN
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_app') THEN
                        GRANT USAGE ON SCHEMA public TO pinreports_app;
                        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pinreports_app;
                        -- EF's history table (its name is configurable): readable, for /readyz, but never rewritten by the service.
                        FOR f IN SELECT c.oid::regclass AS history FROM pg_class c
                                 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND lower(c.relname) LIKE '\_\_ef%migrations%history' LOOP
                            EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM pinreports_app', f.history);
                        END LOOP;
                        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pinreports_app;
                        -- Tables later migrations (and the partition functions) create get the same rights.
                        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pinreports_app;
                        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pinreports_app;
                        GRANT EXECUTE ON FUNCTION pinreports_create_day_partition(text, date) TO pinreports_app;
                        GRANT EXECUTE ON FUNCTION pinreports_drop_day_partition(text) TO pinreports_app;
                    END IF;

                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_grafana') THEN
                        BEGIN
                            ALTER ROLE pinreports_grafana SET statement_timeout = '30s';
                            ALTER ROLE pinreports_grafana SET idle_in_transaction_session_timeout = '60s';
                            ALTER ROLE pinreports_grafana SET lock_timeout = '5s';
                        EXCEPTION WHEN insufficient_privilege THEN
                            RAISE NOTICE 'pinreports_grafana keeps no statement timeout (the migration user may not alter it)';
                        END;
                    END IF;

                    -- Temp tables and advisory locks are PUBLIC's by default; take them back and give them to the roles that use them.
                    BEGIN
                        EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
                        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user);
                        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_app') THEN
                            EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO pinreports_app', current_database());
                        END IF;
                    EXCEPTION WHEN insufficient_privilege THEN
                        RAISE NOTICE 'TEMPORARY stays granted to PUBLIC (the migration user does not own the database)';
                    END;
                    BEGIN
                        FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                                 WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_%advisory%' LOOP
                            EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f.signature);
                            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f.signature, current_user);
                            IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_app') THEN
                                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO pinreports_app', f.signature);
                            END IF;
                        END LOOP;
                    EXCEPTION WHEN insufficient_privilege THEN
                        RAISE NOTICE 'advisory-lock functions stay executable by PUBLIC (only a superuser may revoke them): Grafana''s role could hold the evaluator''s lock';
                    END;
                END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DO $$
                DECLARE f record;
                BEGIN
                    BEGIN
                        FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                                 WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_%advisory%' LOOP
                            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f.signature);
                        END LOOP;
                        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
                    EXCEPTION WHEN insufficient_privilege THEN NULL;
                    END;
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_grafana') THEN
                        BEGIN
                            ALTER ROLE pinreports_grafana RESET statement_timeout;
                            ALTER ROLE pinreports_grafana RESET idle_in_transaction_session_timeout;
                            ALTER ROLE pinreports_grafana RESET lock_timeout;
                        EXCEPTION WHEN insufficient_privilege THEN NULL;
                        END;
                    END IF;
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_app') THEN
                        ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM pinreports_app;
                        ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM pinreports_app;
                        REVOKE ALL ON ALL TABLES IN SCHEMA public FROM pinreports_app;
                        REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM pinreports_app;
                        REVOKE USAGE ON SCHEMA public FROM pinreports_app;
                        EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM pinreports_app', current_database());
                    END IF;
                END
                $$;
                DROP FUNCTION IF EXISTS pinreports_create_day_partition(text, date);
                DROP FUNCTION IF EXISTS pinreports_drop_day_partition(text);
                """);
        }
    }
}
