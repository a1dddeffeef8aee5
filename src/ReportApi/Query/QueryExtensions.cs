namespace ReportApi.Query;

internal static class QueryExtensions
{
    public static IHostApplicationBuilder AddReportQueries(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReportQueries>();
        return builder;
    }
}
