namespace ReportApi.Domain.Diagnosis;

/// <summary>Where a key sat in a chain seen earlier.</summary>
public enum KeyRole
{
    Leaf,
    Intermediate,
    Root,
}

/// <summary>
/// A public key observed in an earlier chain of the same host that built to a trusted root (the host's key history,
/// issue 13): its role and the certificate it was seen in. <paramref name="Certificate"/> (DER) lets the diagnosis
/// check that an omitted intermediate really issued a leaf, not merely that the names agree: an interception CA can
/// copy any name, it cannot copy a signature.
/// </summary>
public sealed record SeenKey(
    KeyRole Role,
    string Subject,
    string Issuer,
    DateTimeOffset? NotAfter = null,
    byte[]? Certificate = null,
    DateTimeOffset? FirstSeen = null,
    DateTimeOffset? LastSeen = null);
