using System.Reflection;
using ProcessFarm.Coordinator.Workers;
using Xunit;
using Xunit.Sdk;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// After each test: no worker process this test host started is still tracked, and no region backing file or
/// listener directory of this process is left on disk.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
internal sealed class AssertNoLeaksAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest)
    {
        Assert.True(ChildProcessTracker.LiveCount == 0, $"workers still tracked: {ChildProcessTracker.LiveDescription}");
        string mine = $"processfarm-{Environment.ProcessId}-";
        Assert.Empty(Directory.EnumerateFileSystemEntries("/dev/shm", mine + "*"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(PipeListener.RuntimeDirectory, mine + "*"));
    }
}
