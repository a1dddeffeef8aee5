namespace ReportApi.Domain.Reports;

/// <summary>The sorted known pins of a report, identified by a fingerprint so each configuration is stored once.</summary>
public sealed record PinSet(byte[] Fingerprint, string[] Pins, string[] Sha256Pins, int MalformedCount)
{
    public static PinSet Of(IReadOnlyList<KnownPin> pins)
    {
        ArgumentNullException.ThrowIfNull(pins);
        var raw = new string[pins.Count];
        var sha = new List<string>(pins.Count);
        using var hash = LengthPrefixedSha256.Create();
        for (var i = 0; i < pins.Count; i++)
        {
            raw[i] = pins[i].Raw;
            if (pins[i].Sha256 is { } digest) sha.Add(Convert.ToBase64String(digest));
            hash.AppendUtf8CharCounted(raw[i]);
        }
        sha.Sort(StringComparer.Ordinal);
        return new PinSet(hash.Finish(), raw, [.. sha], pins.Count - sha.Count);
    }
}
