namespace ReportApi.Data;

/// <summary>A sorted set of known pins as one app configuration sends them, stored once by fingerprint.</summary>
public sealed class PinSetEntity
{
    public required byte[] Fingerprint { get; init; }

    /// <summary>The pins exactly as sent (<c>pin-sha256="..."</c>), sorted ordinally.</summary>
    public required string[] Pins { get; init; }

    /// <summary>Base64 SHA-256 values of the well-formed <c>pin-sha256</c> pins, sorted.</summary>
    public required string[] Sha256Pins { get; init; }

    public required int MalformedCount { get; init; }
    public required DateTimeOffset FirstSeenAt { get; init; }
}
