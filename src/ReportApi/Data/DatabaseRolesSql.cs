namespace ReportApi.Data;

/// <summary>
/// Least privilege in the database (created by migration <c>LeastPrivilegeRoles</c>, which holds the SQL). Three roles:
/// <list type="bullet">
/// <item>the owner: whoever runs <c>ReportApi migrate</c>; owns the tables and the partition functions;</item>
/// <item><c>pinreports_app</c>, the service: reads and writes rows, uses temp tables and advisory locks, and changes
/// the schema only through two SECURITY DEFINER functions that create and drop daily partitions, nothing else;</item>
/// <item><c>pinreports_grafana</c>: SELECT only, a statement timeout, no temp tables and no advisory locks (holding
/// the evaluator's lock from a dashboard would silence alerting).</item>
/// </list>
/// Roles are cluster-wide, so creation tolerates another database's copy; a migration user without CREATEROLE or
/// superuser rights still migrates, and what it may not do is reported as a NOTICE.
/// </summary>
internal static class DatabaseRolesSql
{
    public const string ServiceRole = "pinreports_app";
    public const string GrafanaRole = "pinreports_grafana";
}
