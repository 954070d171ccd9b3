using System.Collections.Concurrent;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// The one thread that starts worker processes. Workers ask the kernel to kill them when their parent goes away
/// (PR_SET_PDEATHSIG), and Linux sends that signal when the parent <em>thread</em> that forked them exits, not
/// the process: a worker forked from a thread-pool thread would be killed when the pool retires that thread. This
/// thread lives as long as the coordinator, so the signal means exactly "the coordinator is gone".
/// </summary>
internal static class SpawnThread
{
    private static readonly BlockingCollection<Action> s_work = [];
    private static readonly Lazy<Thread> s_thread = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Runs <paramref name="spawn"/> on the spawn thread and returns its result.</summary>
    /// <exception cref="WorkerFailedException">The thread cannot be created (a resource limit).</exception>
    public static Task<T> RunAsync<T>(Func<T> spawn)
    {
        try
        {
            _ = s_thread.Value;
        }
        catch (OutOfMemoryException e)
        {
            throw new WorkerFailedException("cannot create the thread that starts workers: out of memory (is the address-space limit, ulimit -v, too low?)", e);
        }
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_work.Add(() =>
        {
            try
            {
                done.SetResult(spawn());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    private static Thread Start()
    {
        var thread = new Thread(static () =>
        {
            foreach (var work in s_work.GetConsumingEnumerable())
            {
                work();
            }
        })
        {
            IsBackground = true,
            Name = "worker spawner",
        };
        thread.Start();
        return thread;
    }
}
