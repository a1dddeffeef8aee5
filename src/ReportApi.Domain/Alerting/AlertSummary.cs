using System.Globalization;
using System.Text;
using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Alerting;

/// <summary>
/// The text of a notification. <see cref="Headline"/> names the cause first (docs/decisions/0008-alert-delivery-is-at-least-once.md: diagnosis, affected
/// versions and share of devices, the failing chain's certificate and SPKI); <see cref="Text"/> adds the evidence and the
/// suggested action below it.
/// </summary>
public sealed record AlertSummary(SeriesKey Series, DiagnosisCode? Cause, string Headline, string Action, string Text)
{
    public static AlertSummary Build(SeriesObservation observation, AlertState state, SpikeAssessment assessment)
    {
        var cause = state.Cause ?? observation.DominantDiagnosis;
        var causeName = cause?.ToWire() ?? "pin failures";
        var headline = state.Status switch
        {
            AlertStatus.Resolved => Resolved(observation, state, causeName),
            AlertStatus.Suspicious => Suspicious(observation, state, assessment, causeName),
            _ => Open(observation, state, causeName),
        };
        var action = SuggestedAction.For(cause);

        var text = new StringBuilder(headline).Append('\n');
        text.Append(CultureInfo.InvariantCulture,
            $"Window {observation.WindowDevices} devices against a baseline median of {Number(assessment.Baseline.Median)} "
            + $"(MAD {Number(assessment.Baseline.Mad)}, {assessment.Baseline.SampleCount} comparable windows); rule {assessment.Rule}.\n");
        if (observation.WindowNetworks is int networks)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"Networks: {Networks(networks)}; paging needs {assessment.RequiredNetworks}.\n");
        }
        if (observation.DiagnosisMix is { Count: > 0 } mix)
        {
            var codes = mix.Where(e => e.Value > 0).OrderByDescending(e => e.Value).ThenBy(e => e.Key)
                .Select(e => $"{e.Key.ToWire()} {e.Value}");
            text.Append("Diagnoses: ").Append(string.Join(", ", codes)).Append('\n');
        }

        if (observation.TopVersions is { Count: > 0 } versions)
        {
            text.Append("Versions: ").Append(string.Join(", ", versions.Select(v => $"{v.App} {v.Version} {v.Devices}{ShareSuffix(v.Share)}"))).Append('\n');
        }

        if (observation.TopChain is { } chain)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"Chain: {Role(chain.Role)} '{chain.Subject}' issued by '{chain.Issuer}' (SPKI {chain.SpkiSha256}), {chain.Devices} devices.\n");
        }

        if (state.Status == AlertStatus.Suspicious)
        {
            // The one benign cause of "every device from one network": the service sees its proxy, not the clients.
            text.Append("Not paged: too few independent networks, as forged reports look. If this is real and every report reaches ")
                .Append("the service through a reverse proxy, list the proxy in Network:TrustedProxies.\n");
        }

        if (state.EvaluatedLateAt is { } late)
        {
            // Issue #19: minutes missed while every evaluator (or the database) was down are evaluated afterwards, in order.
            text.Append(CultureInfo.InvariantCulture,
                $"Evaluated late: minutes of this alert were evaluated at {late.UtcDateTime:yyyy-MM-dd HH:mm} UTC, after the evaluator was down; the times above are when it would have happened.\n");
        }

        text.Append("Action: ").Append(action);
        return new AlertSummary(state.Series, cause, headline, action, text.ToString());
    }

    private static string Open(SeriesObservation observation, AlertState state, string causeName)
    {
        var share = Share(observation) is { } s ? $" ({s})" : "";
        var chain = observation.TopChain is { } c ? " — " + ChainPhrase(state.Cause ?? observation.DominantDiagnosis, c) : "";
        return $"{causeName} {Where(state.Series)}: {observation.WindowDevices} devices{share}{From(observation)} fail since {Clock(SeriesShare.FirstFailingMinute(state.OpenedAt))}{chain}";
    }

    /// <summary>"Suspicious: 70 devices from 1 network on api.example.com": what a forged burst looks like; not paged.</summary>
    private static string Suspicious(SeriesObservation observation, AlertState state, SpikeAssessment assessment, string causeName) =>
        $"Suspicious: {observation.WindowDevices} devices{From(observation)} {Where(state.Series)} ({causeName}) since {Clock(SeriesShare.FirstFailingMinute(state.OpenedAt))}"
        + $" — not paged: fewer than {assessment.RequiredNetworks} independent networks";

    private static string From(SeriesObservation observation) =>
        observation.WindowNetworks is int n ? " from " + Networks(n) : "";

    private static string Networks(int n) => n == 1 ? "1 network" : $"{n} networks";

    private static string Resolved(SeriesObservation observation, AlertState state, string causeName) =>
        state.FiredAt is null && state.SuspectedAt is { } suspected
            ? $"Resolved without paging: suspicious {causeName} {Where(state.Series)} since {Clock(suspected)}, peak {state.PeakDevices} devices "
              + $"from {Networks(state.PeakNetworks)}"
        : state.FiredAt is { } fired
            ? $"Resolved: {causeName} {Where(state.Series)}, firing since {Clock(fired)} with a peak of {state.PeakDevices} devices, "
              + $"is back to {observation.WindowDevices} devices (baseline {Number(state.BaselineMedian)})"
            : $"Not confirmed: {causeName} {Where(state.Series)} spiked at {Clock(SeriesShare.FirstFailingMinute(state.OpenedAt))} to {state.PeakDevices} devices "
              + "but did not hold";

    private static string Where(SeriesKey series) => series.Level switch
    {
        SeriesLevel.Host => $"on {series.NotedHostname}",
        SeriesLevel.Version => $"in {series.App} {series.Version}",
        _ => $"on {series.NotedHostname} in {series.App} {series.Version}",
    };

    /// <summary>"5.1% of 3.2.1", "0.9% of the 33000 active devices of its 2 failing versions": see <see cref="SeriesShare"/>.</summary>
    private static string? Share(SeriesObservation observation) =>
        SeriesShare.Of(observation.Series.Level, observation.Series.Version, observation.WindowDevices, observation.ActiveDevices,
            observation.TopVersions) is { } share ? $"{Percent(share.Value)} of {share.Population}" : null;

    private static string ChainPhrase(DiagnosisCode? cause, FailingChain chain)
    {
        var certificate = $"{Role(chain.Role)} '{chain.Subject}' (SPKI {chain.SpkiSha256})";
        return cause switch
        {
            DiagnosisCode.ServerRotation => $"new {certificate} not pinned",
            DiagnosisCode.InterceptionSuspected => $"chain presented by '{chain.Subject}' (issuer '{chain.Issuer}', SPKI {chain.SpkiSha256}), not our CA",
            DiagnosisCode.CertificateInvalid => $"{certificate} invalid",
            DiagnosisCode.ClientConfigError => $"pins do not match the served {certificate}",
            _ => $"most common chain {certificate}",
        };
    }

    private static string Role(KeyRole role) => role switch
    {
        KeyRole.Leaf => "leaf",
        KeyRole.Intermediate => "intermediate",
        _ => "root",
    };

    private static string ShareSuffix(double? share) => share is { } s ? $" ({Percent(s)})" : "";

    private static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Clock(DateTimeOffset time) => time.UtcDateTime.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
