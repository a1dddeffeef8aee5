namespace ReportApi.Query;

internal static class QueryExtensions
{
    public static IHostApplicationBuilder AddReportQueries(this IHostApplicationBuilder builder)
    {
        // The primary's: for the deferred diagnosis pass and rediagnose, which read what was just written.
        builder.Services.AddSingleton<ReportQueries>();
        builder.Services.AddSingleton<Diagnosis.IStoredVerdicts>(sp => sp.GetRequiredService<ReportQueries>());
        // The read route's (a streaming standby when ConnectionStrings:PostgresReadOnly is set): for the HTTP queries and CSV.
        builder.Services.AddKeyedSingleton(Data.ReadRoute.Key, (sp, _) => new ReportQueries(
            sp.GetRequiredKeyedService<Npgsql.NpgsqlDataSource>(Data.ReadRoute.Key),
            sp.GetRequiredService<Diagnosis.DiagnosisService>(), sp.GetRequiredService<Diagnosis.HostKeyHistory>()));
        return builder;
    }
}
