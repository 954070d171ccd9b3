namespace ProcessFarm.Coordinator.Processing;

/// <summary>One mode's fib measurement.</summary>
/// <param name="Mode">serial, threads or processes.</param>
/// <param name="Copies">How many fib(n) ran.</param>
/// <param name="Value">fib(n), the same for every copy.</param>
/// <param name="WallMs">Wall time, start-up included.</param>
/// <param name="CpuMs">CPU time spent (this process for serial/threads, the workers for processes).</param>
/// <param name="StartupMs">Worker start-up (processes only).</param>
/// <param name="ComputeMs">Wall time of the computation alone.</param>
internal sealed record FibResult(string Mode, int Copies, long Value, double WallMs, double CpuMs, double StartupMs, double ComputeMs);
