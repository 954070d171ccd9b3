using System.Diagnostics;
using System.Globalization;

namespace ProcessFarm.Worker;

/// <summary>
/// Test-only faults, so the coordinator's recovery can be tested deterministically:
/// <c>PROCESSFARM_TEST_FAULT=ID:crash:N</c> makes worker ID kill itself (SIGKILL, like a crash in native code)
/// when its N-th job arrives; <c>ID:hang:N</c> makes it stop answering instead. Unset, it does nothing.
/// </summary>
internal sealed class FaultInjection
{
    private readonly string? _kind;
    private readonly int _atJob;
    private int _jobs;

    private FaultInjection(string? kind, int atJob)
    {
        _kind = kind;
        _atJob = atJob;
    }

    public static FaultInjection FromEnvironment(uint workerId)
    {
        string[] parts = (Environment.GetEnvironmentVariable("PROCESSFARM_TEST_FAULT") ?? string.Empty).Split(':');
        return parts.Length == 3
            && uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint id) && id == workerId
            && parts[1] is "crash" or "hang"
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int atJob)
                ? new FaultInjection(parts[1], atJob)
                : new FaultInjection(null, 0);
    }

    /// <summary>Called as each job arrives, before it runs.</summary>
    public void OnJob()
    {
        if (_kind is null || ++_jobs < _atJob)
        {
            return;
        }
        if (_kind == "crash")
        {
            Process.GetCurrentProcess().Kill();
        }
        Thread.Sleep(Timeout.Infinite);
    }
}
