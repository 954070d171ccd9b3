using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Tests that start worker processes run one at a time: <see cref="AssertNoLeaksAttribute"/> counts processes
/// and files of the whole test host, so another test's live workers would look like a leak.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerCollection
{
    public const string Name = "Worker processes";
}
