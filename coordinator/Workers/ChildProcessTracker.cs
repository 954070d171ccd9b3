using System.Diagnostics;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Every worker process this coordinator started and has not yet reaped. If the coordinator exits by any path the
/// runtime still sees (normal exit, unhandled exception, SIGTERM after cancellation), the survivors are killed.
/// A SIGKILL of the coordinator is covered differently: each worker's pipe reaches end of stream and it exits.
/// </summary>
internal static class ChildProcessTracker
{
    private static readonly HashSet<Process> s_live = [];

    static ChildProcessTracker()
    {
        AppDomain.CurrentDomain.ProcessExit += static (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += static (_, _) => KillAll();
    }

    /// <summary>How many started workers are not yet reaped (tests assert it returns to zero).</summary>
    public static int LiveCount
    {
        get
        {
            lock (s_live)
            {
                return s_live.Count;
            }
        }
    }

    /// <summary>The process ids of the started workers not yet reaped (for a leak's message).</summary>
    public static string LiveDescription
    {
        get
        {
            lock (s_live)
            {
                return string.Join(", ", s_live.Select(p => $"{p.Id}{(p.HasExited ? " (exited)" : string.Empty)}"));
            }
        }
    }

    public static void Add(Process process)
    {
        lock (s_live)
        {
            s_live.Add(process);
        }
    }

    public static void Remove(Process process)
    {
        lock (s_live)
        {
            s_live.Remove(process);
        }
    }

    public static void KillAll()
    {
        Process[] live;
        lock (s_live)
        {
            live = [.. s_live];
        }
        foreach (var process in live)
        {
            Kill(process);
        }
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill: nothing to clean up.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Already gone or not ours to kill; teardown carries on with the others.
        }
    }
}
