using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// Runs a tile operation over a layout on exactly N dedicated threads that pull tile indices from a shared
/// counter; one thread means a plain loop on the caller's thread.
/// </summary>
/// <remarks>
/// Dedicated threads rather than the thread pool: the pool grows slowly past the core count, and "N threads"
/// should mean N threads when the user tunes it.
/// </remarks>
internal static class ParallelTileIterator
{
    public static void Run<T>(TileLayout layout, int threads, in T operation)
        where T : struct, ITileOperation
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (threads == 1 || layout.Count == 1)
        {
            for (int i = 0; i < layout.Count; i++)
            {
                operation.Invoke(layout[i]);
            }
            return;
        }

        var state = new SharedState<T>(layout, operation);
        int count = Math.Min(threads, layout.Count);
        var workers = new Thread[count - 1];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = new Thread(static s => ((SharedState<T>)s!).Drain()) { IsBackground = true, Name = $"tile-{i + 1}" };
            workers[i].Start(state);
        }
        state.Drain(); // the calling thread is worker 0
        foreach (var worker in workers)
        {
            worker.Join();
        }
        state.ThrowIfFailed();
    }

    private sealed class SharedState<T>(TileLayout layout, T operation)
        where T : struct, ITileOperation
    {
        private int _next = -1;
        private Exception? _failure;

        public void Drain()
        {
            try
            {
                int index;
                while (_failure is null && (index = Interlocked.Increment(ref _next)) < layout.Count)
                {
                    operation.Invoke(layout[index]);
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
