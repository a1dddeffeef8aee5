using System.Diagnostics.CodeAnalysis;

namespace ReportApi.Domain.Alerting;

/// <summary>
/// Identifies one alerting series. <see cref="ToString"/> is the stable form used for "one open alert per series" and
/// as PagerDuty's <c>dedup_key</c>: <c>host:api.example.com</c>, <c>version:com.app/3.1.0</c>,
/// <c>version-host:com.app/3.1.0/api.example.com</c>. Components are percent-escaped ('%' and '/') so an app id or
/// version that contains a slash still round-trips through <see cref="Parse"/>.
/// </summary>
public sealed record SeriesKey
{
    private SeriesKey(SeriesLevel level, string? app, string? version, string? notedHostname)
    {
        Level = level;
        App = app;
        Version = version;
        NotedHostname = notedHostname;
    }

    public SeriesLevel Level { get; }

    public string? App { get; }

    public string? Version { get; }

    public string? NotedHostname { get; }

    public static SeriesKey ForHost(string notedHostname) =>
        new(SeriesLevel.Host, null, null, Host(notedHostname));

    public static SeriesKey ForVersion(string app, string version) =>
        new(SeriesLevel.Version, Required(app, nameof(app)), Required(version, nameof(version)), null);

    public static SeriesKey ForVersionHost(string app, string version, string notedHostname) =>
        new(SeriesLevel.VersionHost, Required(app, nameof(app)), Required(version, nameof(version)), Host(notedHostname));

    public static SeriesKey Parse(string text) =>
        TryParse(text, out var key) ? key : throw new FormatException($"'{text}' is not a series key.");

    public static bool TryParse(string? text, [NotNullWhen(true)] out SeriesKey? key)
    {
        key = null;
        var colon = text?.IndexOf(':') ?? -1;
        if (text is null || colon < 0)
        {
            return false;
        }

        var parts = text[(colon + 1)..].Split('/').Select(Unescape).ToArray();
        if (parts.Any(p => p.Length == 0))
        {
            return false;
        }

        key = (text[..colon], parts.Length) switch
        {
            ("host", 1) => ForHost(parts[0]),
            ("version", 2) => ForVersion(parts[0], parts[1]),
            ("version-host", 3) => ForVersionHost(parts[0], parts[1], parts[2]),
            _ => null,
        };
        return key is not null;
    }

    public override string ToString() => Level switch
    {
        SeriesLevel.Host => $"host:{Escape(NotedHostname!)}",
        SeriesLevel.Version => $"version:{Escape(App!)}/{Escape(Version!)}",
        _ => $"version-host:{Escape(App!)}/{Escape(Version!)}/{Escape(NotedHostname!)}",
    };

    /// <summary>How the series reads in an alert: "api.example.com", "com.app 3.1.0", "com.app 3.1.0 on api.example.com".</summary>
    public string Describe() => Level switch
    {
        SeriesLevel.Host => NotedHostname!,
        SeriesLevel.Version => $"{App} {Version}",
        _ => $"{App} {Version} on {NotedHostname}",
    };

    // Hostnames are case-insensitive; folding them keeps "API.example.com" and "api.example.com" one series.
    private static string Host(string notedHostname) => Required(notedHostname, nameof(notedHostname)).ToLowerInvariant();

    private static string Required(string value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("A series key component must not be empty.", name) : value;

    private static string Escape(string component) => component.Replace("%", "%25").Replace("/", "%2F");

    private static string Unescape(string component) => component.Replace("%2F", "/").Replace("%25", "%");
}
