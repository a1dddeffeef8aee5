namespace ReportApi.ResponderConsole;

/// <summary>The console's own SQL: only its key ring. Every page reads through the API features' SQL.</summary>
internal static class ConsoleSql
{
    public const string DataProtectionKeys = "SELECT xml FROM data_protection_keys ORDER BY created_at";

    /// <summary>Keys are immutable and named by their id: storing one twice (two replicas at once) is harmless.</summary>
    public const string StoreDataProtectionKey = """
        INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($1, $2) ON CONFLICT (friendly_name) DO NOTHING
        """;
}
