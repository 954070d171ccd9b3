using System.Diagnostics;
using MessagePack;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Execution;
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
        DedicatedThreads.Run(copies, copies, "fib", new FibWork(values, n)); // one copy per thread
        return Measure("threads", copies, values[0], started, cpu);
    }

    /// <summary>The default of fib's --job-timeout-ms: recursion up to fib(50) takes minutes, not the 30 s a tile may.</summary>
    public static readonly TimeSpan DefaultJobTimeout = TimeSpan.FromMinutes(10);

    public static async Task<FibResult> RunProcessesAsync(int n, int copies, SupervisorOptions options, ILogger log, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        // One job per worker at a time, so that N jobs on N workers run side by side.
        await using var supervisor = await WorkerSupervisor.StartAsync(copies, options with { InFlight = 1 }, log, cancellationToken);
        double startupMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var workers = supervisor.Workers;
        var cpuBefore = workers.Select(w => ProcessorTime(w.Hello!.ProcessId)).Sum(t => t.TotalMilliseconds);

        long computeStarted = Stopwatch.GetTimestamp();
        var set = new JobSet();
        var jobs = Enumerable.Range(0, copies).Select(_ => new FibJob(set, n)).ToList();
        jobs.ForEach(set.Add);
        supervisor.Submit(set);
        await set.WaitAsync(cancellationToken);
        double computeMs = Stopwatch.GetElapsedTime(computeStarted).TotalMilliseconds;
        if (jobs.Select(j => j.Value).Distinct().Count() != 1)
        {
            throw new InvalidOperationException("the workers disagree on fib(n)");
        }
        double cpuMs = workers.Select(w => ProcessorTime(w.Hello!.ProcessId)).Sum(t => t.TotalMilliseconds) - cpuBefore;
        return new FibResult("processes", copies, jobs[0].Value, Stopwatch.GetElapsedTime(started).TotalMilliseconds, cpuMs, startupMs, computeMs);
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

    /// <summary>fib(n) into its slot.</summary>
    private readonly struct FibWork(long[] values, int n) : IIndexedWork
    {
        public void Invoke(int index) => values[index] = Fibonacci.Compute(n);
    }

    /// <summary>One fib(n) on some worker.</summary>
    private sealed class FibJob(JobSet set, int n) : WorkerJob(set)
    {
        public long Value { get; private set; }

        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            frames.WriteJob(id, new FibParameters(n));
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result)
        {
            try
            {
                var reader = new MessagePackReader(result.Payload);
                Value = reader.ReadInt64();
            }
            catch (Exception e) when (MessagePackReading.IsDecodingFailure(e))
            {
                throw new ProtocolException(ErrorCode.Malformed, $"its fib result is not an integer: {e.Message}", e);
            }
        }

        public override void OnError(WorkerConnection worker, ErrorMessage error) =>
            Set!.Fail(new WorkerFailedException(worker.WorkerId, $"failed fib: {error.Message}"));

        public override void OnFailed(Exception reason) => Set!.Fail(reason);
    }
}
