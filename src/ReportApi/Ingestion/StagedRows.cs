using Npgsql;
using NpgsqlTypes;
using ReportApi.Domain.Reports;

namespace ReportApi.Ingestion;

/// <summary>
/// One batch's reports as column arrays, the parameters of <see cref="IngestSql.InsertFresh"/> ($1..$30 in
/// <see cref="IngestSql.ReportColumns"/> order, then in_batch_duplicates, counts_device and network_id). Npgsql writes each array
/// in PostgreSQL's binary format straight from these typed arrays (sized for the batch): 29 allocations per batch,
/// none per report.
/// </summary>
internal sealed class StagedRows
{
    private readonly Guid[] _id;
    private readonly DateTimeOffset[] _receivedAt;
    private readonly string[] _dialect, _hostname, _notedHostname, _clientTimeQuality, _diagnosis, _raw;
    private readonly int?[] _port, _validationResult;
    private readonly bool?[] _includeSubdomains, _enforcePinning;
    private readonly string?[] _app, _version, _platform, _platformVersion, _trustKitVersion, _dateTimeRaw;
    private readonly byte[]?[] _deviceHash, _servedChain;
    private readonly byte[][] _validatedChain, _pinSet, _dedupKey;
    private readonly DateTimeOffset?[] _clientTime, _effectiveExpiration;
    private readonly DateOnly?[] _pinsExpiration;
    private readonly bool[] _authenticated, _countsDevice;
    private readonly int[] _inBatchDuplicates;
    private readonly long?[] _networkId;
    private int _count;

    public StagedRows(int capacity)
    {
        _id = new Guid[capacity];
        _receivedAt = new DateTimeOffset[capacity];
        _dialect = new string[capacity]; _hostname = new string[capacity]; _notedHostname = new string[capacity];
        _clientTimeQuality = new string[capacity]; _diagnosis = new string[capacity]; _raw = new string[capacity];
        _port = new int?[capacity]; _validationResult = new int?[capacity];
        _includeSubdomains = new bool?[capacity]; _enforcePinning = new bool?[capacity];
        _app = new string?[capacity]; _version = new string?[capacity]; _platform = new string?[capacity];
        _platformVersion = new string?[capacity]; _trustKitVersion = new string?[capacity]; _dateTimeRaw = new string?[capacity];
        _deviceHash = new byte[]?[capacity]; _servedChain = new byte[]?[capacity];
        _validatedChain = new byte[capacity][]; _pinSet = new byte[capacity][]; _dedupKey = new byte[capacity][];
        _clientTime = new DateTimeOffset?[capacity]; _effectiveExpiration = new DateTimeOffset?[capacity];
        _pinsExpiration = new DateOnly?[capacity];
        _authenticated = new bool[capacity]; _countsDevice = new bool[capacity];
        _inBatchDuplicates = new int[capacity];
        _networkId = new long?[capacity];
    }

    public int Count => _count;

    public void Add(IngestRecord record, int inBatchDuplicates)
    {
        var i = _count++;
        var r = record.Report;
        _id[i] = record.Id;
        _receivedAt[i] = record.ReceivedAt.ToUniversalTime();
        _dialect[i] = r.Dialect.ToWire();
        _hostname[i] = r.Hostname;
        _notedHostname[i] = r.NotedHostname;
        _port[i] = r.Port;
        _includeSubdomains[i] = r.IncludeSubdomains;
        _enforcePinning[i] = r.EnforcePinning;
        _validationResult[i] = r.ValidationResult;
        _app[i] = r.AppBundleId;
        _version[i] = r.AppVersion;
        _platform[i] = r.AppPlatform;
        _platformVersion[i] = r.AppPlatformVersion;
        _trustKitVersion[i] = r.TrustKitVersion;
        _deviceHash[i] = record.DeviceHash;
        _dateTimeRaw[i] = r.DateTimeRaw;
        _clientTime[i] = r.ClientTime?.ToUniversalTime();
        _clientTimeQuality[i] = ClientTimeQualityNames.ToWire(r.ClientTimeQuality);
        _pinsExpiration[i] = r.KnownPinsExpirationDate;
        _effectiveExpiration[i] = r.EffectiveExpirationDate?.ToUniversalTime();
        _validatedChain[i] = record.Validated.Fingerprint;
        _servedChain[i] = record.Served?.Fingerprint;
        _pinSet[i] = record.PinSet.Fingerprint;
        _dedupKey[i] = record.DedupKey;
        _diagnosis[i] = record.Diagnosis;
        _raw[i] = r.RawJson;
        _authenticated[i] = record.Authenticated;
        _inBatchDuplicates[i] = inBatchDuplicates;
        _countsDevice[i] = record.CountsDevice;
        _networkId[i] = record.NetworkId;
    }

    /// <summary>The parameters of <see cref="IngestSql.InsertFresh"/>, the writer loop's index last.</summary>
    public void AddParameters(NpgsqlParameterCollection parameters, short writer)
    {
        Add(parameters, _id, NpgsqlDbType.Uuid);
        Add(parameters, _receivedAt, NpgsqlDbType.TimestampTz);
        Add(parameters, _dialect, NpgsqlDbType.Text);
        Add(parameters, _hostname, NpgsqlDbType.Text);
        Add(parameters, _notedHostname, NpgsqlDbType.Text);
        Add(parameters, _port, NpgsqlDbType.Integer);
        Add(parameters, _includeSubdomains, NpgsqlDbType.Boolean);
        Add(parameters, _enforcePinning, NpgsqlDbType.Boolean);
        Add(parameters, _validationResult, NpgsqlDbType.Integer);
        Add(parameters, _app, NpgsqlDbType.Text);
        Add(parameters, _version, NpgsqlDbType.Text);
        Add(parameters, _platform, NpgsqlDbType.Text);
        Add(parameters, _platformVersion, NpgsqlDbType.Text);
        Add(parameters, _trustKitVersion, NpgsqlDbType.Text);
        Add(parameters, _deviceHash, NpgsqlDbType.Bytea);
        Add(parameters, _dateTimeRaw, NpgsqlDbType.Text);
        Add(parameters, _clientTime, NpgsqlDbType.TimestampTz);
        Add(parameters, _clientTimeQuality, NpgsqlDbType.Text);
        Add(parameters, _pinsExpiration, NpgsqlDbType.Date);
        Add(parameters, _effectiveExpiration, NpgsqlDbType.TimestampTz);
        Add(parameters, _validatedChain, NpgsqlDbType.Bytea);
        Add(parameters, _servedChain, NpgsqlDbType.Bytea);
        Add(parameters, _pinSet, NpgsqlDbType.Bytea);
        Add(parameters, _dedupKey, NpgsqlDbType.Bytea);
        Add(parameters, _diagnosis, NpgsqlDbType.Text);
        Add(parameters, _raw, NpgsqlDbType.Jsonb);
        Add(parameters, _authenticated, NpgsqlDbType.Boolean);
        Add(parameters, _inBatchDuplicates, NpgsqlDbType.Integer);
        Add(parameters, _countsDevice, NpgsqlDbType.Boolean);
        Add(parameters, _networkId, NpgsqlDbType.Bigint);
        parameters.Add(new NpgsqlParameter<short> { TypedValue = writer, NpgsqlDbType = NpgsqlDbType.Smallint });
    }

    /// <summary>
    /// The series keys of <see cref="IngestSql.InsertSeries"/> ($5..$11, after the caps' parameters): the batch's distinct
    /// series keys as seven arrays, in the same form as the SQL's series key ('' for a missing text, 1/0/-1 for the
    /// enforce flag).
    /// </summary>
    public void AddSeriesParameters(NpgsqlParameterCollection parameters)
    {
        var keys = new HashSet<(string, string, string, string, string, string, short)>();
        for (var i = 0; i < _count; i++)
        {
            keys.Add((_app[i] ?? "", _version[i] ?? "", _platform[i] ?? "", _notedHostname[i], _hostname[i], _diagnosis[i],
                _enforcePinning[i] switch { true => (short)1, false => (short)0, null => (short)-1 }));
        }
        AddKeys(parameters, keys.Select(k => k.Item1).ToArray(), NpgsqlDbType.Text);
        AddKeys(parameters, keys.Select(k => k.Item2).ToArray(), NpgsqlDbType.Text);
        AddKeys(parameters, keys.Select(k => k.Item3).ToArray(), NpgsqlDbType.Text);
        AddKeys(parameters, keys.Select(k => k.Item4).ToArray(), NpgsqlDbType.Text);
        AddKeys(parameters, keys.Select(k => k.Item5).ToArray(), NpgsqlDbType.Text);
        AddKeys(parameters, keys.Select(k => k.Item6).ToArray(), NpgsqlDbType.Text);
        AddKeys(parameters, keys.Select(k => k.Item7).ToArray(), NpgsqlDbType.Smallint);
    }

    private static void AddKeys<T>(NpgsqlParameterCollection parameters, T[] values, NpgsqlDbType type) =>
        parameters.Add(new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | type });

    private void Add<T>(NpgsqlParameterCollection parameters, T[] values, NpgsqlDbType type)
    {
        // Sized by the writer for exactly the rows it adds: a longer array would stage default rows.
        if (values.Length != _count) throw new InvalidOperationException($"Staged {_count} of {values.Length} rows.");
        parameters.Add(new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | type });
    }
}
