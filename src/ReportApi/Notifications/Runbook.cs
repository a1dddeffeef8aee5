namespace ReportApi.Notifications;

/// <summary>
/// docs/runbook.md, one section per diagnosis code with a stable anchor: where a report (Query) or an alert (Alerting)
/// sends a person for what to do. Configured under <c>Notifications</c> with the other links notifications carry.
/// </summary>
public static class Runbook
{
    /// <summary>The diagnosis codes docs/runbook.md has a section (and a stable anchor) for.</summary>
    public static readonly IReadOnlySet<string> Sections = new HashSet<string>(StringComparer.Ordinal)
    {
        "server-rotation", "interception-suspected", "certificate-invalid", "client-config-error", "unknown",
    };

    /// <summary>Where the runbook lives: <c>Notifications:RunbookBaseUrl</c>, else the copy this service serves at <c>/runbook</c>.</summary>
    public static string Base(NotificationOptions options) =>
        options.RunbookBaseUrl is { Length: > 0 } configured ? configured : options.PublicBaseUrl.TrimEnd('/') + RunbookEndpoint.Path;

    /// <summary>The section of a diagnosis code; the top of the runbook for a code it has no section for.</summary>
    public static string Link(NotificationOptions options, string? diagnosis) =>
        diagnosis is not null && Sections.Contains(diagnosis) ? $"{Base(options)}#{diagnosis}" : Base(options);
}
