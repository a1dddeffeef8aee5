namespace ReportApi.Domain.Reports;

/// <summary>RFC 6901 pointers for problem reports. Only built on the error path, so plain string concatenation.</summary>
internal static class JsonPointer
{
    public static string Append(string parent, string key) => parent + "/" + Escape(key);

    public static string Append(string parent, int index) =>
        parent + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Escape(string key) =>
        key.AsSpan().IndexOfAny('~', '/') < 0 ? key : key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
