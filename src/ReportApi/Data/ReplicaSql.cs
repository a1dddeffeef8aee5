namespace ReportApi.Data;

/// <summary>SQL of the read route (issue #16), run on <c>ConnectionStrings:PostgresReadOnly</c>.</summary>
internal static class ReplicaSql
{
    /// <summary>
    /// Seconds the standby's data is behind the primary. An idle primary writes nothing, so "now − last replayed commit"
    /// would grow forever on a standby that is fully caught up: when everything received has been replayed the lag is 0.
    /// A server that is not in recovery (a promoted standby, or the primary named as the read route) has no lag.
    /// </summary>
    public const string Lag = """
        SELECT CASE
            WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
        END::float8
        """;
}
