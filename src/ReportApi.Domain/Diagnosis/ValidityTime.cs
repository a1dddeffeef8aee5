using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// The instant certificate validity is judged at (docs/decisions/0003-server-receive-time-is-the-time-axis.md, issue 13): the device's own time when it can be
/// trusted, else the server's receive time. A TrustKit iOS background upload can arrive days after the failure, when
/// the leaf it saw has since expired; judging it at the receive time would call a rotation an expiry.
/// </summary>
/// <param name="At">The instant used.</param>
/// <param name="DeviceTime">True when <see cref="At"/> is the report's <c>date-time</c>, false for the receive time.</param>
/// <param name="Reason">Why this time was used, for the evidence.</param>
public sealed record ValidityTime(DateTimeOffset At, bool DeviceTime, string Reason)
{
    /// <summary>The wire name of the source: <c>device</c> or <c>received</c>.</summary>
    public string Source => DeviceTime ? "device" : "received";

    /// <summary>
    /// The device time only when the dialect sends true UTC (TrustKit iOS, RFC 7469; never TrustKit-Android's local
    /// wall-clock time with a literal Z), not after the receive time (a report cannot be written after it arrived, so
    /// that clock is wrong) and at most <paramref name="maxAge"/> before it (a clock set back by months is not a late
    /// upload). <see cref="TimeSpan.Zero"/> turns the device time off.
    /// </summary>
    public static ValidityTime Choose(PinFailureReport report, DateTimeOffset receivedAt, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Explain(report, receivedAt, maxAge);
    }

    /// <summary>
    /// The instant alone, without the reason's text: what a verdict cache keys on for every report (no string built on
    /// the ingest fast path). Always agrees with <see cref="Choose"/>.
    /// </summary>
    public static (DateTimeOffset At, bool DeviceTime) Instant(PinFailureReport report, DateTimeOffset receivedAt, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report is { ClientTimeQuality: ClientTimeQuality.Utc, ClientTime: { } t } && maxAge > TimeSpan.Zero
            && t <= receivedAt && receivedAt - t <= maxAge
            ? (t, true)
            : (receivedAt, false);
    }

    private static ValidityTime Explain(PinFailureReport report, DateTimeOffset receivedAt, TimeSpan maxAge)
    {
        string reason;
        switch (report.ClientTimeQuality)
        {
            case ClientTimeQuality.Utc when report.ClientTime is { } clientTime:
                if (maxAge <= TimeSpan.Zero)
                {
                    reason = "the device's time is not used (Diagnosis:ClientTimeMaxAge is 0)";
                }
                else if (clientTime > receivedAt)
                {
                    reason = $"the report's date-time ({Wording.Time(clientTime)}) is after its receive time: the device's clock is ahead";
                }
                else if (receivedAt - clientTime > maxAge)
                {
                    reason = $"the report's date-time ({Wording.Time(clientTime)}) is more than {Days(maxAge)} before its "
                        + "receive time (Diagnosis:ClientTimeMaxAge): the device's clock is not trusted that far";
                }
                else
                {
                    return new ValidityTime(clientTime, true,
                        $"the report's date-time, UTC from {report.Dialect.ToWire()}, {Days(receivedAt - clientTime)} before its "
                        + $"receive time ({Wording.Time(receivedAt)}), within Diagnosis:ClientTimeMaxAge");
                }

                break;
            case ClientTimeQuality.LocalWithLiteralZ:
                reason = "TrustKit-Android writes the device's local time with a literal Z, so its date-time is not an instant";
                break;
            case ClientTimeQuality.Unparseable:
                reason = "the report's date-time does not parse";
                break;
            default:
                reason = "the report carries no date-time";
                break;
        }

        return new ValidityTime(receivedAt, false, reason);
    }

    private static string Days(TimeSpan span)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return span.TotalDays >= 1 ? string.Format(c, "{0:0.#} day(s)", span.TotalDays)
            : span.TotalHours >= 1 ? string.Format(c, "{0:0.#} h", span.TotalHours)
            : string.Format(c, "{0:0} min", Math.Max(0, span.TotalMinutes));
    }
}
