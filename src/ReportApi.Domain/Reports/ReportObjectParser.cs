using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ReportApi.Domain.Reports;

/// <summary>
/// Validates and normalises one report object. Every problem of the object is collected (not just the first) so a
/// client sees all of them in one 400. One instance serves all objects of a body to reuse the raw-JSON buffer.
/// </summary>
internal sealed class ReportObjectParser : IDisposable
{
    private const int MaxEchoedNumberChars = 32;

    private static readonly JsonWriterOptions RawWriterOptions = new()
    {
        // Relaxed escaping keeps '+' and non-ASCII text as sent; the raw JSON is stored, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    // The raw-JSON buffer and writer outlive a parser on their thread: a new pair per body was ≈ 12 % of the service's
    // allocations under ingest load. Parsing is synchronous, so a thread's pair is never used twice at once; a pair
    // that grew past RetainedBufferBytes (a body of large reports) is dropped instead of kept.
    private const int RetainedBufferBytes = 64 * 1024;

    [ThreadStatic] private static ArrayBufferWriter<byte>? idleBuffer;
    [ThreadStatic] private static Utf8JsonWriter? idleWriter;

    private readonly ReportLimits limits;
    private readonly ProblemList problems;
    private readonly ArrayBufferWriter<byte> rawBuffer;
    private readonly Utf8JsonWriter rawWriter;

    public ReportObjectParser(ReportLimits limits, ProblemList problems)
    {
        this.limits = limits;
        this.problems = problems;
        if (idleBuffer is { } buffer && idleWriter is { } writer)
        {
            (idleBuffer, idleWriter) = (null, null);
            (rawBuffer, rawWriter) = (buffer, writer);
        }
        else
        {
            rawBuffer = new ArrayBufferWriter<byte>(4096);
            rawWriter = new Utf8JsonWriter(rawBuffer, RawWriterOptions);
        }
    }

    public void Dispose()
    {
        if (rawBuffer.Capacity <= RetainedBufferBytes && idleBuffer is null)
        {
            rawBuffer.ResetWrittenCount();
            rawWriter.Reset(rawBuffer);
            (idleBuffer, idleWriter) = (rawBuffer, rawWriter);
        }
        else
        {
            rawWriter.Dispose();
        }
    }

    /// <summary>
    /// Returns the report, or null when this object (or an earlier one: bodies are all-or-nothing) had a problem.
    /// </summary>
    /// <param name="report">A JSON object.</param>
    /// <param name="pointer">Pointer of the object in the body: <c>""</c> or <c>/N</c>.</param>
    public PinFailureReport? Parse(JsonElement report, string pointer)
    {
        var values = default(KeyedValues);
        CollectProperties(report, pointer, ref values);

        if (values[(int)ReportKey.KnownPins].ValueKind == JsonValueKind.Undefined
            && ForeignReportDetector.Recognise(report) is { } foreign)
        {
            problems.Add(pointer, foreign);
            return null;
        }

        var hostname = ReadHostname(values[(int)ReportKey.Hostname], pointer);
        var knownPins = ReadKnownPins(values[(int)ReportKey.KnownPins], pointer);

        var port = ReadPort(values[(int)ReportKey.Port], pointer);
        var includeSubdomains = ReadBoolean(values[(int)ReportKey.IncludeSubdomains], ReportKeys.IncludeSubdomains, pointer);
        var enforcePinning = ReadBoolean(values[(int)ReportKey.EnforcePinning], ReportKeys.EnforcePinning, pointer);
        var validationResult = ReadValidationResult(values[(int)ReportKey.ValidationResult], pointer);

        var notedHostname = ReadOptionalHostname(values[(int)ReportKey.NotedHostname], pointer);
        var bundleIdElement = values[(int)ReportKey.AppBundleId];
        var bundleId = ReadString(bundleIdElement, ReportKeys.AppBundleId, pointer);
        var appVersion = ReadString(values[(int)ReportKey.AppVersion], ReportKeys.AppVersion, pointer);
        var vendorId = ReadString(values[(int)ReportKey.AppVendorId], ReportKeys.AppVendorId, pointer);
        var platformSent = ReadString(values[(int)ReportKey.AppPlatform], ReportKeys.AppPlatform, pointer);
        var platformVersion = ReadString(values[(int)ReportKey.AppPlatformVersion], ReportKeys.AppPlatformVersion, pointer);
        var trustKitVersion = ReadString(values[(int)ReportKey.TrustKitVersion], ReportKeys.TrustKitVersion, pointer);

        var dateTimeRaw = ReadDateTimeRaw(values[(int)ReportKey.DateTime], pointer);
        var pinsExpiration = ReadDateText(values[(int)ReportKey.KnownPinsExpirationDate], ReportKeys.KnownPinsExpirationDate, pointer);
        var effectiveExpiration = ReadDateText(values[(int)ReportKey.EffectiveExpirationDate], ReportKeys.EffectiveExpirationDate, pointer);

        var validatedChain = ReadChain(values[(int)ReportKey.ValidatedCertificateChain], ReportKeys.ValidatedCertificateChain, pointer);
        var servedChain = ReadChain(values[(int)ReportKey.ServedCertificateChain], ReportKeys.ServedCertificateChain, pointer);

        if (problems.TotalCount != 0 || hostname is null || knownPins is null)
        {
            return null;
        }

        var platform = Platforms.Normalise(platformSent) is { Length: > 0 } normalised ? normalised : null;
        var dialect = DialectDetector.Detect(platform, bundleIdElement.ValueKind == JsonValueKind.String);
        var (clientTime, timeQuality) = InterpretDateTime(values[(int)ReportKey.DateTime], dateTimeRaw, dialect);

        return new PinFailureReport
        {
            Dialect = dialect,
            Hostname = hostname,
            NotedHostname = notedHostname ?? hostname,
            Port = port,
            IncludeSubdomains = includeSubdomains,
            EnforcePinning = enforcePinning,
            ValidationResult = validationResult,
            AppBundleId = bundleId is "" or "N/A" ? null : bundleId,
            AppVersion = appVersion is "" or "N/A" ? null : appVersion,
            AppPlatform = platform,
            AppPlatformVersion = NullIfEmpty(platformVersion),
            AppVendorId = vendorId is "" or "unit-tests" ? null : vendorId,
            TrustKitVersion = NullIfEmpty(trustKitVersion),
            DateTimeRaw = dateTimeRaw,
            ClientTime = clientTime,
            ClientTimeQuality = timeQuality,
            KnownPinsExpirationDate = pinsExpiration is null ? null : ClientTimeParser.ParseDate(pinsExpiration),
            EffectiveExpirationDate = effectiveExpiration is not null && ClientTimeParser.TryParseDateTime(effectiveExpiration, out var effective)
                ? effective
                : null,
            ValidatedChain = validatedChain ?? [],
            ServedChain = servedChain,
            KnownPins = knownPins,
            RawJson = WriteRawJson(report),
        };
    }

    private void CollectProperties(JsonElement report, string pointer, ref KeyedValues values)
    {
        HashSet<string>? unknownNames = null;
        foreach (var property in report.EnumerateObject())
        {
            var name = property.Name;
            var key = ReportKeys.Classify(name);
            if (key == ReportKey.Unknown)
            {
                unknownNames ??= new HashSet<string>(StringComparer.Ordinal);
                if (!unknownNames.Add(name))
                {
                    ReportDuplicate(pointer, name);
                }

                continue;
            }

            ref var slot = ref values[(int)key];
            if (slot.ValueKind != JsonValueKind.Undefined)
            {
                ReportDuplicate(pointer, name);
                continue;
            }

            slot = property.Value;
        }

        if (unknownNames is not null && unknownNames.Count > limits.MaxUnknownKeys)
        {
            problems.Add(pointer, $"The report has {unknownNames.Count} unrecognised keys; at most {limits.MaxUnknownKeys} are accepted.");
        }
    }

    private void ReportDuplicate(string pointer, string name) =>
        problems.Add(
            JsonPointer.Append(pointer, name),
            $"The key \"{name}\" appears more than once; each key may appear only once.");

    private string? ReadHostname(JsonElement value, string pointer)
    {
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            problems.Add(JsonPointer.Append(pointer, ReportKeys.Hostname), "The required key \"hostname\" is missing.");
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(
                JsonPointer.Append(pointer, ReportKeys.Hostname),
                $"\"hostname\" must be a non-empty string; found {JsonKinds.Describe(value.ValueKind)}.");
            return null;
        }

        var hostname = NormaliseHostname(value.GetString()!, ReportKeys.Hostname, pointer);
        if (hostname is { Length: 0 })
        {
            problems.Add(JsonPointer.Append(pointer, ReportKeys.Hostname), "\"hostname\" must be a non-empty string.");
            return null;
        }

        return hostname;
    }

    /// <summary><c>noted-hostname</c>: null when absent, null or blank (the caller falls back to the hostname).</summary>
    private string? ReadOptionalHostname(JsonElement value, string pointer)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(
                JsonPointer.Append(pointer, ReportKeys.NotedHostname),
                $"\"noted-hostname\" must be a string or null; found {JsonKinds.Describe(value.ValueKind)}.");
            return null;
        }

        var noted = NormaliseHostname(value.GetString()!, ReportKeys.NotedHostname, pointer);
        return noted is { Length: 0 } ? null : noted;
    }

    /// <summary>Lower-cased without a trailing dot; "" for blank input; null (with a problem) when unacceptable.</summary>
    private string? NormaliseHostname(string sent, string key, string pointer)
    {
        var span = sent.AsSpan();
        if (span.IsWhiteSpace())
        {
            return "";
        }

        if (span[^1] == '.')
        {
            span = span[..^1];
        }

        if (span.Length > limits.MaxHostnameChars)
        {
            problems.Add(JsonPointer.Append(pointer, key), $"\"{key}\" is longer than {limits.MaxHostnameChars} characters.");
            return null;
        }

        // Control characters are never part of a host name and would only serve log injection.
        if (span.IndexOfAnyInRange('\0', '\u001f') >= 0 || span.Contains('\u007f'))
        {
            problems.Add(JsonPointer.Append(pointer, key), $"\"{key}\" contains control characters.");
            return null;
        }

        return Hostnames.FromReport(sent);
    }

    private KnownPin[]? ReadKnownPins(JsonElement value, string pointer)
    {
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            problems.Add(JsonPointer.Append(pointer, ReportKeys.KnownPins), "The required key \"known-pins\" is missing.");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            problems.Add(
                JsonPointer.Append(pointer, ReportKeys.KnownPins),
                $"\"known-pins\" must be an array of strings; found {JsonKinds.Describe(value.ValueKind)}.");
            return null;
        }

        var count = value.GetArrayLength();
        if (count > limits.MaxKnownPins)
        {
            problems.Add(
                JsonPointer.Append(pointer, ReportKeys.KnownPins),
                $"\"known-pins\" has {count} entries; at most {limits.MaxKnownPins} are accepted.");
            return null;
        }

        var pins = new KnownPin[count];
        var index = 0;
        var valid = true;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                problems.Add(
                    ElementPointer(pointer, ReportKeys.KnownPins, index),
                    $"Each known pin must be a string like pin-sha256=\"<base64>\"; found {JsonKinds.Describe(item.ValueKind)}.");
                valid = false;
            }
            else
            {
                var raw = item.GetString()!;
                if (raw.Length > limits.MaxPinChars)
                {
                    problems.Add(
                        ElementPointer(pointer, ReportKeys.KnownPins, index),
                        $"A known pin is longer than {limits.MaxPinChars} characters.");
                    valid = false;
                }
                else if (valid)
                {
                    pins[index] = KnownPinParser.Parse(raw);
                }
            }

            index++;
        }

        if (!valid)
        {
            return null;
        }

        Array.Sort(pins, static (a, b) => string.CompareOrdinal(a.Raw, b.Raw));
        return pins;
    }

    private string[]? ReadChain(JsonElement value, string key, string pointer)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            problems.Add(
                JsonPointer.Append(pointer, key),
                $"\"{key}\" must be an array of PEM strings; found {JsonKinds.Describe(value.ValueKind)}.");
            return null;
        }

        var count = value.GetArrayLength();
        if (count > limits.MaxCertificatesPerChain)
        {
            problems.Add(
                JsonPointer.Append(pointer, key),
                $"\"{key}\" has {count} certificates; at most {limits.MaxCertificatesPerChain} are accepted.");
            return null;
        }

        var chain = new string[count];
        var index = 0;
        var valid = true;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                problems.Add(
                    ElementPointer(pointer, key, index),
                    $"Each certificate must be a PEM string; found {JsonKinds.Describe(item.ValueKind)}.");
                valid = false;
            }
            else
            {
                var pem = PemStrings.Get(item);
                if (pem.Length > limits.MaxPemChars)
                {
                    problems.Add(ElementPointer(pointer, key, index), $"A certificate is longer than {limits.MaxPemChars} characters.");
                    valid = false;
                }

                chain[index] = pem;
            }

            index++;
        }

        return valid ? chain : null;
    }

    private int? ReadPort(JsonElement value, string pointer)
    {
        const string Expected = "\"port\" must be an integer from 0 to 65535, as a number or a numeric string";
        int port;
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return null;
            case JsonValueKind.Number when value.TryGetInt32(out port) && port is >= 0 and <= 65535:
                return port;
            case JsonValueKind.Number:
                problems.Add(JsonPointer.Append(pointer, ReportKeys.Port), $"{Expected}; found {EchoNumber(value)}.");
                return null;
            case JsonValueKind.String when TryParseInteger(value.GetString()!, NumberStyles.None, out port) && port is >= 0 and <= 65535:
                return port;
            default:
                problems.Add(JsonPointer.Append(pointer, ReportKeys.Port), $"{Expected}; found {DescribeOrEcho(value)}.");
                return null;
        }
    }

    private int? ReadValidationResult(JsonElement value, string pointer)
    {
        int result;
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return null;
            case JsonValueKind.Number when value.TryGetInt32(out result):
                return result;
            case JsonValueKind.String when TryParseInteger(value.GetString()!, NumberStyles.AllowLeadingSign, out result):
                return result;
            default:
                problems.Add(
                    JsonPointer.Append(pointer, ReportKeys.ValidationResult),
                    $"\"validation-result\" must be an integer, as a number or a numeric string; found {DescribeOrEcho(value)}.");
                return null;
        }
    }

    private bool? ReadBoolean(JsonElement value, string key, string pointer)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return null;
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String when value.ValueEquals("true"u8) || value.ValueEquals("True"u8):
                return true;
            case JsonValueKind.String when value.ValueEquals("false"u8) || value.ValueEquals("False"u8):
                return false;
            default:
                problems.Add(
                    JsonPointer.Append(pointer, key),
                    $"\"{key}\" must be a boolean (or the string \"true\" or \"false\"); found {JsonKinds.Describe(value.ValueKind)}.");
                return null;
        }
    }

    /// <summary>A bounded optional string: absent or null is null, any other non-string is a problem.</summary>
    private string? ReadString(JsonElement value, string key, string pointer)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(JsonPointer.Append(pointer, key), $"\"{key}\" must be a string or null; found {JsonKinds.Describe(value.ValueKind)}.");
            return null;
        }

        return BoundedString(value.GetString()!, key, pointer);
    }

    /// <summary>
    /// The <c>date-time</c> as stored: the string as sent, or the JSON text of a non-string value (dates never reject
    /// a report; only the length is bounded).
    /// </summary>
    private string? ReadDateTimeRaw(JsonElement value, string pointer) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.String => BoundedString(value.GetString()!, ReportKeys.DateTime, pointer),
        _ => BoundedString(value.GetRawText(), ReportKeys.DateTime, pointer),
    };

    /// <summary>An expiration date's text when it is a string; other types normalise to null and stay in the raw JSON.</summary>
    private string? ReadDateText(JsonElement value, string key, string pointer) =>
        value.ValueKind == JsonValueKind.String ? BoundedString(value.GetString()!, key, pointer) : null;

    private string? BoundedString(string text, string key, string pointer)
    {
        if (text.Length <= limits.MaxStringChars)
        {
            return text;
        }

        problems.Add(JsonPointer.Append(pointer, key), $"\"{key}\" is longer than {limits.MaxStringChars} characters.");
        return null;
    }

    private static (DateTimeOffset? Time, ClientTimeQuality Quality) InterpretDateTime(
        JsonElement value,
        string? raw,
        ReportDialect dialect)
    {
        if (raw is null)
        {
            return (null, ClientTimeQuality.Missing);
        }

        if (value.ValueKind == JsonValueKind.String && ClientTimeParser.TryParseDateTime(raw, out var time))
        {
            return (time, ClientTimeParser.QualityOfParsed(raw, dialect));
        }

        return (null, ClientTimeQuality.Unparseable);
    }

    private string WriteRawJson(JsonElement report)
    {
        rawBuffer.ResetWrittenCount();
        rawWriter.Reset(rawBuffer);
        rawWriter.WriteStartObject();
        foreach (var property in report.EnumerateObject())
        {
            if (property.NameEquals("app-vendor-id"u8)
                || property.NameEquals("validated-certificate-chain"u8)
                || property.NameEquals("served-certificate-chain"u8))
            {
                continue;
            }

            // The bytes as sent when they need no rewriting (no escape sequence, no whitespace inside a container):
            // a copy instead of re-escaping every string. Otherwise the writer re-serialises this property with minimal
            // escaping, as before, so the stored text is the same either way.
            var value = JsonMarshal.GetRawUtf8Value(property.Value);
            var name = JsonMarshal.GetRawUtf8PropertyName(property);
            if (name.IndexOf((byte)'\\') < 0 && IsCopyable(value))
            {
                rawWriter.WritePropertyName(name);
                rawWriter.WriteRawValue(value, skipInputValidation: true);
            }
            else
            {
                property.WriteTo(rawWriter);
            }
        }

        rawWriter.WriteEndObject();
        rawWriter.Flush();
        return Encoding.UTF8.GetString(rawBuffer.WrittenSpan);
    }

    private static bool IsCopyable(ReadOnlySpan<byte> value) =>
        value.IndexOf((byte)'\\') < 0 && (value[0] is not ((byte)'{' or (byte)'[') || value.IndexOfAny(" \t\r\n"u8) < 0);

    private static bool TryParseInteger(string text, NumberStyles sign, out int value) =>
        int.TryParse(
            text,
            sign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
            CultureInfo.InvariantCulture,
            out value);

    private static string? NullIfEmpty(string? text) => text is "" ? null : text;

    private static string ElementPointer(string pointer, string key, int index) =>
        JsonPointer.Append(JsonPointer.Append(pointer, key), index);

    private static string EchoNumber(JsonElement number)
    {
        var text = number.GetRawText();
        return text.Length <= MaxEchoedNumberChars ? text : "a number";
    }

    private static string DescribeOrEcho(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => EchoNumber(value),
        JsonValueKind.String => "a string that is not such a number",
        _ => JsonKinds.Describe(value.ValueKind),
    };

    /// <summary>The value of each understood key, indexed by <see cref="ReportKey"/>; Undefined when absent.</summary>
    [InlineArray(ReportKeys.Count)]
    private struct KeyedValues
    {
        private JsonElement first;
    }
}
