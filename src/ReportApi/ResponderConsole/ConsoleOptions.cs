namespace ReportApi.ResponderConsole;

/// <summary>Configuration section <c>Console</c>: the responder console's session and links.</summary>
public sealed class ConsoleOptions
{
    /// <summary><c>Console:SessionLifetime</c>: how long a sign-in lasts (absolute, not sliding). Default 8 hours: one shift.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// <c>Console:RunbookUrl</c>: the runbook the alert page links to, with <c>#&lt;diagnosis-code&gt;</c> appended. Default
    /// <c>/console/runbook</c>, the repository's <c>docs/runbook.md</c> as built into the service (works offline).
    /// </summary>
    public string RunbookUrl { get; set; } = "/console/runbook";
}
