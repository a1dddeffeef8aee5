using System.Collections.Concurrent;

namespace ReportApi.Domain.Caching;

/// <summary>
/// A thread-safe cache of two generations, each holding up to the capacity. New entries go to the young generation;
/// when it is full it becomes the old one (the previous old one is dropped) and a fresh young one starts. A hit in the
/// old generation moves the entry back to the young one. An incident repeats a handful of chains thousands of times,
/// so this costs no LRU bookkeeping on the hot path, and a flood of never-seen chains (issue 21) no longer wipes the
/// entries that known-chain reports keep using: they are promoted on every hit and survive each turnover.
/// </summary>
public sealed class BoundedCache<TKey, TValue>(int capacity) where TKey : notnull
{
    private volatile Generation _young = new();
    private volatile Generation _old = new();
    private readonly Lock _turnover = new();

    /// <summary>Entries in both generations (approximate while other threads add).</summary>
    public int Count => _young.Count + _old.Count;

    public bool TryGet(TKey key, out TValue value)
    {
        var young = _young;
        if (young.Entries.TryGetValue(key, out value!)) return true;
        if (!_old.Entries.TryGetValue(key, out value!)) return false;
        Add(key, value);
        return true;
    }

    public TValue GetOrAdd<TState>(TKey key, Func<TKey, TState, TValue> factory, TState state)
    {
        if (TryGet(key, out var value)) return value;
        value = factory(key, state);
        Add(key, value);
        return value;
    }

    public void Add(TKey key, TValue value)
    {
        var young = _young;
        if (young.Count >= capacity)
        {
            lock (_turnover)
            {
                if (_young == young)
                {
                    _old = young;
                    _young = new Generation();
                }
            }
            young = _young;
        }
        if (young.Entries.TryAdd(key, value)) Interlocked.Increment(ref young.Count);
    }

    // ConcurrentDictionary.Count takes every bucket lock; an interlocked counter is enough for a bound.
    private sealed class Generation
    {
        public readonly ConcurrentDictionary<TKey, TValue> Entries = new();
        public int Count;
    }
}
