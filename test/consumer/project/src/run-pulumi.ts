// Runs the README's Pulumi program (./pulumi) under Pulumi mocks and prints what it registered.
import * as pulumi from '@pulumi/pulumi';

const registered: string[] = [];
pulumi.runtime.setMocks({
  newResource: (args) => {
    registered.push(`${args.type} ${args.name}${args.provider ? ` provider=${args.provider.split('::').slice(-2, -1)[0]}` : ''}`);
    return { id: `${args.name}-id`, state: args.inputs };
  },
  call: (args) => args.inputs,
}, 'quickstart', 'dev', false);

// The program is loaded after the mocks are in place, as `pulumi up` would load it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const program = require('./pulumi') as { objectCounts: pulumi.Output<Record<string, number>> };
program.objectCounts.apply((objectCounts) => {
  setTimeout(() => process.stdout.write(JSON.stringify({ objectCounts, registered: registered.sort() }) + '\n'), 200);
});
