namespace ReportApi.Domain.Pins;

/// <summary>The CA a pinned key was seen under: the top-most issuer name of a stored chain, or an operator root.</summary>
public sealed record PinCa(string Spki, IReadOnlyList<string> CaNames);

/// <summary>What a release engineer should fix in an app's pin configuration.</summary>
public static class PinFlags
{
    public const string FewerThanTwoPins = "fewer-than-two-pins";
    public const string SingleCa = "single-ca";
    public const string ExpiringSoon = "expiring-soon";
    public const string Expired = "expired";

    /// <summary>
    /// <list type="bullet">
    /// <item><c>fewer-than-two-pins</c>: under two well-formed pins means no backup pin: one key change bricks the
    /// version (TrustKit iOS even refuses such a configuration). Malformed pins do not count.</item>
    /// <item><c>single-ca</c>: every pin is a key we have seen (in a reported chain, or as an operator root) and all of
    /// them sit under one CA, named by its root (the top-most issuer of the chain the key was seen in). Then one CA
    /// incident or distrust breaks the version whatever key is rotated. A pin we have never seen is usually a spare
    /// backup key (a CSR kept offline, another CA): since it may live anywhere, it clears the flag.</item>
    /// <item><c>expired</c> / <c>expiring-soon</c>: after <c>known-pins-expiration-date</c> TrustKit stops enforcing the
    /// pins, silently; the flag leaves time to ship a release with a new date.</item>
    /// </list>
    /// </summary>
    public static IReadOnlyList<string> Evaluate(
        IReadOnlyList<string> pins, IReadOnlyDictionary<string, PinCa> resolved, DateOnly? expiration, DateOnly today, int expiringWithinDays)
    {
        var flags = new List<string>(4);
        if (pins.Count < 2) flags.Add(FewerThanTwoPins);

        if (pins.Count > 0 && pins.All(resolved.ContainsKey)
            && pins.SelectMany(p => resolved[p].CaNames).Distinct(StringComparer.Ordinal).Count() == 1)
        {
            flags.Add(SingleCa);
        }

        if (expiration is { } date)
        {
            if (date < today) flags.Add(Expired);
            else if (date.DayNumber - today.DayNumber <= expiringWithinDays) flags.Add(ExpiringSoon);
        }
        return flags;
    }
}
