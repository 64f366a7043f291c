import test from 'ava';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { AzureBlobStore } from '../../../core/blob-store/azure-blob-store';
import { startAzurite, type Azurite } from '../../helpers/azurite';
import { blobStoreContract, objectStoreServerTests, type StoreUnderTest } from './blob-store-contract';

// The export pipeline against Azure Blob Storage as Azurite (Microsoft's emulator) implements it, started for
// this file on a free port and stopped with it.
let azurite: Azurite | undefined;
let sut: StoreUnderTest | undefined;
const CONTAINER = 'exports';

test.before(async () => {
  azurite = await startAzurite();
  const container: ContainerClient = BlobServiceClient.fromConnectionString(
    azurite.connectionString,
  ).getContainerClient(CONTAINER);
  await container.create();
  sut = {
    kind: 'azure',
    store: new AzureBlobStore({ connectionString: azurite.connectionString, container: CONTAINER }),
    // The servers and child processes use the account form; the store above, the connection string.
    env: {
      BLOB_STORE: 'azure',
      AZURE_STORAGE_ACCOUNT: azurite.account,
      AZURE_STORAGE_KEY: azurite.accountKey,
      AZURE_STORAGE_ENDPOINT: azurite.blobEndpoint,
      AZURE_STORAGE_CONTAINER: CONTAINER,
    },
    list: async (prefix) => {
      const names: string[] = [];
      for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
      return names.sort();
    },
    hasUncommitted: async (name) => {
      try {
        const list = await container.getBlockBlobClient(name).getBlockList('uncommitted');
        return (list.uncommittedBlocks ?? []).length > 0;
      } catch {
        return false;
      }
    },
  };
});

test.after.always(async () => {
  await sut?.store.close();
  await azurite?.stop();
});

blobStoreContract(test, 'azure', () => sut!);
objectStoreServerTests(
  test,
  'azure',
  () => sut!,
  () => ({
    env: {
      BLOB_STORE: 'azure',
      AZURE_STORAGE_CONNECTION_STRING: azurite!.connectionString,
      AZURE_STORAGE_CONTAINER: 'missing',
    },
    secrets: [azurite!.accountKey],
  }),
);
