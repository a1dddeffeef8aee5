using System.Collections.Concurrent;

namespace ReportApi.Ingestion;

/// <summary>
/// A thread-safe cache that forgets everything when it grows past its capacity. An incident repeats a handful of
/// chains thousands of times, so a simple bound beats LRU bookkeeping on the hot path; a hostile stream of unique
/// chains only costs the re-analysis it would have cost anyway.
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(int capacity) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new();

    public int Count => _entries.Count;

    public TValue GetOrAdd<TState>(TKey key, Func<TKey, TState, TValue> factory, TState state)
    {
        if (_entries.TryGetValue(key, out var value)) return value;
        if (_entries.Count >= capacity) _entries.Clear();
        return _entries.GetOrAdd(key, factory, state);
    }
}
