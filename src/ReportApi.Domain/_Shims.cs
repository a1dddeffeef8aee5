// TEMPORARY, not committed: stands in for the helpers' branches until they merge.
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;
namespace ReportApi.Domain.Diagnosis {
 public enum DiagnosisCode { ServerRotation, InterceptionSuspected, CertificateInvalid, ClientConfigError, Unknown }
 public static class DiagnosisCodeNames { public static string ToWire(this DiagnosisCode c) => c.ToString(); }
 public sealed record Diagnosis(DiagnosisCode Code, string Explanation);
 public sealed class TrustAnchors { public static TrustAnchors SystemOnly => new(); public static TrustAnchors None => new(); public static TrustAnchors FromPemBundle(string pem, bool useSystemStore) => new(); }
 public sealed record DiagnosisContext;
 public static class Diagnoser { public static Diagnosis Diagnose(PinFailureReport report, ParsedChain validated, ParsedChain? served, TrustAnchors anchors, DateTimeOffset receivedAt, DiagnosisContext? context = null) => new(DiagnosisCode.Unknown, "shim"); }
}
