namespace ProcessFarm.Coordinator.Execution;

/// <summary>One unit of work by index, run on <see cref="DedicatedThreads"/>.</summary>
internal interface IIndexedWork
{
    void Invoke(int index);
}
