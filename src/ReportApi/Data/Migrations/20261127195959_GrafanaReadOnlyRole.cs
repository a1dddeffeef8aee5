using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class GrafanaReadOnlyRole : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Grafana reads through a role that can only SELECT: a dashboard, or whoever holds its password, cannot
            // change or delete reports. Roles are cluster-wide, so creating it must tolerate another database's copy.
            // Its password is set by `ReportApi migrate` from Database:ReadOnlyPassword (never in a migration).
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_grafana') THEN
                        BEGIN
                            CREATE ROLE pinreports_grafana LOGIN;
                        EXCEPTION
                            WHEN duplicate_object THEN NULL;
                            -- A least-privilege migration user may not create roles: the schema still migrates, and
                            -- the operator creates the role (LOGIN) once; the grants below then apply on the next run.
                            WHEN insufficient_privilege THEN
                                RAISE NOTICE 'pinreports_grafana was not created (no CREATEROLE): create it, then migrate again for its grants';
                        END;
                    END IF;
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_grafana') THEN
                        GRANT USAGE ON SCHEMA public TO pinreports_grafana;
                        GRANT SELECT ON ALL TABLES IN SCHEMA public TO pinreports_grafana;
                        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO pinreports_grafana;
                    END IF;
                END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The role may serve other databases of the cluster, so only this database's grants are revoked.
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_grafana') THEN
                        ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM pinreports_grafana;
                        REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM pinreports_grafana;
                        REVOKE USAGE ON SCHEMA public FROM pinreports_grafana;
                    END IF;
                END
                $$;
                """);
        }
    }
}
