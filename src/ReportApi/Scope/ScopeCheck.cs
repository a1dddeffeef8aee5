using Microsoft.Extensions.Options;
using ReportApi.Domain.Reports;

namespace ReportApi.Scope;

/// <summary>Why a report is outside <c>Ingest:Scope</c>; the reason is a metric tag and a column of the tally.</summary>
internal enum OutOfScope
{
    None,
    App,
    Platform,
    Host,
}

/// <summary>Decides whether a parsed report is inside <c>Ingest:Scope</c>. Pure and allocation-free per report.</summary>
internal sealed class ScopeCheck(IOptions<ScopeOptions> options)
{
    public bool IsSet => options.Value.IsSet;

    public OutOfScope Check(PinFailureReport report)
    {
        var scope = options.Value;
        if (scope.Apps.Count > 0)
        {
            var app = scope.Apps.FirstOrDefault(a => a.BundleId == report.AppBundleId);
            if (app is null) return OutOfScope.App;
            if (app.Platforms.Count > 0 && !app.Platforms.Any(p => string.Equals(p, report.AppPlatform, StringComparison.OrdinalIgnoreCase)))
            {
                return OutOfScope.Platform;
            }
        }
        if (scope.Hosts.Count > 0 && !scope.Hosts.Any(h => HostMatches(h, report.NotedHostname))) return OutOfScope.Host;
        return OutOfScope.None;
    }

    public static string Wire(OutOfScope reason) => reason switch
    {
        OutOfScope.App => "app",
        OutOfScope.Platform => "platform",
        _ => "host",
    };

    /// <summary>Exact (case-insensitive), or <c>*.example.com</c> for any subdomain of example.com.</summary>
    internal static bool HostMatches(string pattern, string host)
    {
        host = host.TrimEnd('.');
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return host.Length > pattern.Length - 1 && host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase);
        }
        return string.Equals(pattern.TrimEnd('.'), host, StringComparison.OrdinalIgnoreCase);
    }
}
