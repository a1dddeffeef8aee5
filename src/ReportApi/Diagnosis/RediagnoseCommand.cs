using System.Globalization;

namespace ReportApi.Diagnosis;

/// <summary>
/// <c>ReportApi rediagnose --from 2026-11-01 --to 2026-12-01 [--batch-size 500] [--restart]</c>: re-runs the diagnosis
/// over the stored reports received in [from, to) after a rule change (<see cref="Rediagnoser"/>), printing progress.
/// Exit codes: 0 done, 1 failed (rerun the same command to resume), 2 bad arguments.
/// </summary>
internal static class RediagnoseCommand
{
    public const string Usage = "usage: rediagnose --from <ISO 8601 date or time> --to <ISO 8601 date or time> [--batch-size 1..10000] [--restart]";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error)
    {
        if (!TryParse(args, out var request, out var problem))
        {
            await error.WriteLineAsync($"rediagnose: {problem}\n{Usage}");
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var result = await ActivatorUtilities.CreateInstance<Rediagnoser>(services).RunAsync(request, output, cancel.Token);
            await output.WriteLineAsync(
                $"rediagnose: done, {result.Processed} report(s) diagnosed, {result.Changed} changed.");
            return 0;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("rediagnose: interrupted; run the same command again to resume after the last committed batch.");
            return 1;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
        {
            await error.WriteLineAsync($"rediagnose: failed ({e.Message}); run the same command again to resume after the last committed batch.");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    internal static bool TryParse(string[] args, out RediagnoseRequest request, out string problem)
    {
        request = default!;
        DateTimeOffset? from = null, to = null;
        var batchSize = 500;
        var restart = false;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--from" when TryTime(value, out var f):
                    from = f;
                    i++;
                    break;
                case "--to" when TryTime(value, out var t):
                    to = t;
                    i++;
                    break;
                case "--batch-size" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out batchSize) && batchSize is >= 1 and <= 10_000:
                    i++;
                    break;
                case "--restart":
                    restart = true;
                    break;
                default:
                    problem = $"unexpected or invalid '{args[i]}'" + (value is null || value.StartsWith("--", StringComparison.Ordinal) ? "" : $" '{value}'");
                    return false;
            }
        }

        if (from is null || to is null)
        {
            problem = "--from and --to are required";
            return false;
        }

        if (from >= to)
        {
            problem = "--from must be before --to";
            return false;
        }

        request = new RediagnoseRequest(from.Value, to.Value, batchSize, restart);
        problem = "";
        return true;
    }

    // A date means its midnight UTC; a time without an offset is UTC (receive times are UTC).
    private static bool TryTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
        && text!.Length >= 10 && char.IsAsciiDigit(text[0]);
}

/// <summary>The range [From, To) of receive times, the batch size, and whether to ignore a saved cursor.</summary>
internal sealed record RediagnoseRequest(DateTimeOffset From, DateTimeOffset To, int BatchSize, bool Restart);

/// <summary>What a run did in total (including batches of an interrupted earlier attempt it resumed).</summary>
internal sealed record RediagnoseResult(long Processed, long Changed);
