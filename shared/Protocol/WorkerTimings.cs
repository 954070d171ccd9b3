namespace ProcessFarm.Shared.Protocol;

/// <summary>Worker-side timings returned with every result, in nanoseconds.</summary>
/// <param name="KernelNs">Time spent in the job's own work (the LUT, re-encoding an echo, fib).</param>
/// <param name="TotalNs">From the frame being parsed to its reply being written.</param>
public readonly record struct WorkerTimings(long KernelNs, long TotalNs);
