namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// Runs work for the indices 0..count-1 on exactly min(threads, count) dedicated threads, the calling thread being
/// one of them, each taking the next index from a shared counter; one thread means a plain loop on the caller's
/// thread. The threads mode's tiles, a batch's files on threads and fib's threads all run this way.
/// </summary>
/// <remarks>
/// Dedicated threads rather than the thread pool: the pool grows slowly past the core count, and "N threads"
/// should mean N threads when the user tunes it. The work is a struct passed by reference, so a tile costs no
/// delegate call and no allocation.
/// </remarks>
internal static class DedicatedThreads
{
    /// <summary>Runs <paramref name="work"/> for every index; rethrows the first exception once every thread has stopped.</summary>
    /// <param name="count">Indices to run.</param>
    /// <param name="threads">Threads to use, at least 1.</param>
    /// <param name="name">Names the threads, for debuggers and profilers.</param>
    /// <param name="work">What to do for one index.</param>
    /// <param name="cancellationToken">Stops the threads taking new indices; those under way finish.</param>
    public static void Run<T>(int count, int threads, string name, in T work, CancellationToken cancellationToken = default)
        where T : struct, IIndexedWork
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var state = new SharedState<T>(count, work, cancellationToken);
        var helpers = new Thread[Math.Max(0, Math.Min(threads, count) - 1)];
        for (int i = 0; i < helpers.Length; i++)
        {
            helpers[i] = new Thread(static s => ((SharedState<T>)s!).Drain()) { IsBackground = true, Name = $"{name}-{i + 1}" };
            helpers[i].Start(state);
        }
        state.Drain(); // the calling thread is thread 0
        foreach (var helper in helpers)
        {
            helper.Join();
        }
        state.ThrowIfFailed();
    }

    private sealed class SharedState<T>(int count, T work, CancellationToken cancellationToken)
        where T : struct, IIndexedWork
    {
        private int _next = -1;
        private Exception? _failure;

        public void Drain()
        {
            try
            {
                int index;
                while (_failure is null && !cancellationToken.IsCancellationRequested && (index = Interlocked.Increment(ref _next)) < count)
                {
                    work.Invoke(index);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
        }

        public void ThrowIfFailed()
        {
            if (_failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
            }
        }
    }
}
