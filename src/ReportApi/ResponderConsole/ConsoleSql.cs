namespace ReportApi.ResponderConsole;

/// <summary>The console's own SQL: only its key ring. Every page reads through the API features' SQL.</summary>
internal static class ConsoleSql
{
    public const string DataProtectionKeys = "SELECT xml FROM data_protection_keys ORDER BY created_at";

    /// <summary>Keys are immutable and named by their id: storing one twice (two replicas at once) is harmless.</summary>
    public const string StoreDataProtectionKey = """
        INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($1, $2) ON CONFLICT (friendly_name) DO NOTHING
        """;

    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS data_protection_keys (
            friendly_name text PRIMARY KEY,
            xml text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        DO $$
        BEGIN
            -- Whoever holds these keys can forge console sessions: Grafana's read-only role must not read them.
            IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_grafana') THEN
                REVOKE ALL ON data_protection_keys FROM pinreports_grafana;
            END IF;
        END
        $$;
        """;

    public const string DropTable = "DROP TABLE IF EXISTS data_protection_keys";
}
