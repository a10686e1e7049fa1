// The ceiling for any page of this stack: a bare NestJS application on Express that answers "hello".
// Same framework versions as the app, production mode, no middleware. Run by bench/run.mjs as its own process.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

class HelloController {
  hello() {
    return 'hello';
  }
}
// Decorators applied by hand: this file is plain JavaScript, run without a build step.
Get()(HelloController.prototype, 'hello', Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello'));
Controller()(HelloController);

class HelloModule {}
Module({ controllers: [HelloController] })(HelloModule);

const app = await NestFactory.create(HelloModule, { logger: false });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
process.send?.('ready');
