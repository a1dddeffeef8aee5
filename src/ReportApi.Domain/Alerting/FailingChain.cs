using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Alerting;

/// <summary>
/// The chain most of the window's failing devices were shown, reduced to the certificate its diagnosis is about (the
/// new intermediate of a rotation, the interception CA, the expired leaf): what a responder must see first.
/// </summary>
public sealed record FailingChain(KeyRole Role, string Subject, string Issuer, string SpkiSha256, int Devices);
