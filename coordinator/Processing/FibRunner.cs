using System.Diagnostics;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.MessagePack;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.Workloads;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>
/// The article's first lesson: N copies of fib(n) on one thread, on N threads, and on N worker processes (job
/// kind <c>fib</c>). .NET threads run in parallel (no GIL); processes do too but pay for start-up.
/// </summary>
internal static class FibRunner
{
    public static FibResult RunSerial(int n, int copies)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        long started = Stopwatch.GetTimestamp();
        long value = 0;
        for (int i = 0; i < copies; i++)
        {
            value = Fibonacci.Compute(n);
        }
        return Measure("serial", copies, value, started, cpu);
    }

    public static FibResult RunThreads(int n, int copies)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        long started = Stopwatch.GetTimestamp();
        long[] values = new long[copies];
        var threads = Enumerable.Range(0, copies).Select(i => new Thread(() => values[i] = Fibonacci.Compute(n)) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return Measure("threads", copies, values[0], started, cpu);
    }

    public static async Task<FibResult> RunProcessesAsync(int n, int copies, WorkerPoolOptions options, CoordinatorLog log, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        await using var pool = await WorkerPool.StartAsync(copies, options, log, cancellationToken);
        double startupMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var cpuBefore = pool.Workers.Select(w => ProcessorTime(w.Hello!.ProcessId)).Sum(t => t.TotalMilliseconds);

        long computeStarted = Stopwatch.GetTimestamp();
        var handler = new FibReplies(pool.Workers.Count);
        ulong id = 0;
        foreach (var worker in pool.Workers)
        {
            worker.SetHandler(handler);
            await worker.SendAsync((++id, n), static (frames, s) => frames.WriteJob(s.Item1, JobKind.Fib, new JobParameters { N = s.n }), cancellationToken);
        }
        long value = await handler.Completion.WaitAsync(cancellationToken);
        double computeMs = Stopwatch.GetElapsedTime(computeStarted).TotalMilliseconds;
        double cpuMs = pool.Workers.Select(w => ProcessorTime(w.Hello!.ProcessId)).Sum(t => t.TotalMilliseconds) - cpuBefore;
        return new FibResult("processes", copies, value, Stopwatch.GetElapsedTime(started).TotalMilliseconds, cpuMs, startupMs, computeMs);
    }

    private static FibResult Measure(string mode, int copies, long value, long started, TimeSpan cpuBefore)
    {
        double wallMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        return new FibResult(mode, copies, value, wallMs, cpuMs, 0, wallMs);
    }

    /// <summary>CPU time (user + system) of a live process, or zero once it is gone.</summary>
    private static TimeSpan ProcessorTime(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (ArgumentException)
        {
            return TimeSpan.Zero; // already gone
        }
    }

    /// <summary>Waits for one fib result per worker; all must agree.</summary>
    private sealed class FibReplies(int expected) : IReplyHandler
    {
        private readonly TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = expected;

        public Task<long> Completion => _done.Task;

        public void OnResult(WorkerConnection worker, in JobResult result)
        {
            var reader = new MessagePackReader(result.Payload);
            long value = reader.ReadInt64();
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult(value);
            }
        }

        public void OnError(WorkerConnection worker, ErrorMessage error) =>
            _done.TrySetException(new WorkerFailedException($"worker {worker.WorkerId} failed fib: {error.Message}"));

        public void OnDisconnected(WorkerConnection worker, Exception? error) =>
            _done.TrySetException(new WorkerFailedException($"worker {worker.WorkerId} disconnected during fib{worker.ExitDescription}"));
    }
}

/// <summary>One mode's fib measurement.</summary>
/// <param name="Mode">serial, threads or processes.</param>
/// <param name="Copies">How many fib(n) ran.</param>
/// <param name="Value">fib(n), the same for every copy.</param>
/// <param name="WallMs">Wall time, start-up included.</param>
/// <param name="CpuMs">CPU time spent (this process for serial/threads, the workers for processes).</param>
/// <param name="StartupMs">Worker start-up (processes only).</param>
/// <param name="ComputeMs">Wall time of the computation alone.</param>
internal sealed record FibResult(string Mode, int Copies, long Value, double WallMs, double CpuMs, double StartupMs, double ComputeMs);
